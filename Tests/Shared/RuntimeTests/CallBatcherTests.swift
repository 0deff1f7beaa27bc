import InMemoryTracing
import Synchronization
import Testing
import Tracing
import TradewindRuntime

/// Concurrent calls gathered into batches while one is in flight, each answered with its own outcome.
@Suite struct CallBatcherTests {
    /// Records the batches sent; the first one waits until `holdFirstUntilQueued` calls are queued behind it.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        /// The batcher under test, for its sender to look at.
        let batcher = Mutex<CallBatcher<Int, Int>?>(nil)
    }

    func batcher(maximum: Int, recorder: Recorder, holdFirstUntilQueued expected: Int, tracer: InMemoryTracer? = nil) -> CallBatcher<Int, Int> {
        let batcher = CallBatcher<Int, Int>(maximumBatch: maximum, operation: tracer.map { _ in "send (batch)" }, tracer: tracer) { items in
            let isFirst = recorder.batches.withLock { batches in
                batches.append(items)
                return batches.count == 1
            }
            if isFirst {
                for _ in 0..<5_000 where (recorder.batcher.withLock { $0?.queued ?? 0 }) < expected {
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            return items.map { $0 * 10 }
        }
        recorder.batcher.withLock { $0 = batcher }
        return batcher
    }

    @Test func callsMadeWhileABatchIsInFlightGoTogetherAndEachGetsItsOwnOutcome() async throws {
        for (maximum, expectedSizes) in [(100, [1, 10]), (4, [1, 4, 4, 2])] {
            let recorder = Recorder()
            let batcher = batcher(maximum: maximum, recorder: recorder, holdFirstUntilQueued: 10)
            let outcomes = await withTaskGroup(of: (Int, Int).self) { group in
                group.addTask { (0, await batcher.call(0)) }
                // The first call is in flight before the others are made.
                for _ in 0..<5_000 where recorder.batches.withLock({ $0.isEmpty }) { try? await Task.sleep(for: .milliseconds(1)) }
                for item in 1...10 { group.addTask { (item, await batcher.call(item)) } }
                var outcomes: [Int: Int] = [:]
                for await (item, outcome) in group { outcomes[item] = outcome }
                return outcomes
            }
            #expect(outcomes == Dictionary(uniqueKeysWithValues: (0...10).map { ($0, $0 * 10) }))
            let batches = recorder.batches.withLock { $0 }
            #expect(batches.map(\.count) == expectedSizes, "maximum \(maximum)")
            #expect(batches.flatMap { $0 }.sorted() == Array(0...10), "each call sent once")
            #expect(batcher.queued == 0)
        }
    }

    /// Runs the jobs of the tasks that prefer it one at a time, in the order they were enqueued, when told to: the
    /// order in which a burst of tasks takes its turns is then fixed.
    final class TurnByTurnExecutor: TaskExecutor {
        private let jobs = Mutex<[UnownedJob]>([])

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            jobs.withLock { $0.append(job) }
        }

        func runUntilIdle() {
            while let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
    }

    final class Outcomes: Sendable {
        let values = Mutex<[Int: Int]>([:])
    }

    @Test func callsStartedInOneBurstGoInOneBatch() async {
        let recorder = Recorder()
        let outcomes = Outcomes()
        let batcher = CallBatcher<Int, Int>(maximumBatch: 100) { items in
            recorder.batches.withLock { $0.append(items) }
            return items.map { -$0 }
        }
        let executor = TurnByTurnExecutor()
        for item in 0..<10 {
            Task(executorPreference: executor) {
                let outcome = await batcher.call(item)
                outcomes.values.withLock { $0[item] = outcome }
            }
        }
        executor.runUntilIdle()
        // Sent as each call arrived, the burst would be ten batches of one.
        #expect(recorder.batches.withLock { $0 } == [Array(0..<10)])
        #expect(outcomes.values.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, -$0) }))
    }

    @Test func aCallAloneIsSentAtOnceAndTheBatcherIsReusable() async {
        let recorder = Recorder()
        let batcher = CallBatcher<Int, Int>(maximumBatch: 8) { items in
            recorder.batches.withLock { $0.append(items) }
            return items.map { -$0 }
        }
        #expect(await batcher.call(3) == -3)
        #expect(await batcher.call(4) == -4)
        #expect(recorder.batches.withLock { $0 } == [[3], [4]])
    }

    @Test func withTwoInFlightASecondCallGoesAtOnceAndTheRestWait() async {
        let recorder = Recorder()
        let gate = Mutex(false)
        let batcher = CallBatcher<Int, Int>(maximumBatch: 10, maximumInFlight: 2) { items in
            recorder.batches.withLock { $0.append(items) }
            for _ in 0..<5_000 where !gate.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(1)) }
            return items.map { $0 + 100 }
        }
        let outcomes = await withTaskGroup(of: (Int, Int).self) { group in
            for item in 0...1 {
                group.addTask { (item, await batcher.call(item)) }
                // Each of the first two is sent while the other is still held: neither waits for a batch to return.
                for _ in 0..<5_000 where recorder.batches.withLock({ $0.count }) <= item { try? await Task.sleep(for: .milliseconds(1)) }
            }
            #expect(recorder.batches.withLock { $0 } == [[0], [1]])
            for item in 2...5 { group.addTask { (item, await batcher.call(item)) } }
            for _ in 0..<5_000 where batcher.queued < 4 { try? await Task.sleep(for: .milliseconds(1)) }
            #expect(batcher.queued == 4, "with two in flight, the others wait")
            gate.withLock { $0 = true }
            var outcomes: [Int: Int] = [:]
            for await (item, outcome) in group { outcomes[item] = outcome }
            return outcomes
        }
        #expect(outcomes == Dictionary(uniqueKeysWithValues: (0...5).map { ($0, $0 + 100) }))
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.flatMap { $0 }.sorted() == Array(0...5))
        #expect(batches.count <= 4, "the four that waited went in at most two batches: \(batches)")
    }

    /// Each batch is sent in a span of its sender's trace that links the traces of the other callers in it.
    @Test func aBatchIsSentInASpanLinkedToTheTracesOfItsOtherCallers() async throws {
        let tracer = InMemoryTracer()
        let recorder = Recorder()
        let batcher = batcher(maximum: 10, recorder: recorder, holdFirstUntilQueued: 3, tracer: tracer)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await tracer.withSpan("caller 0") { _ in _ = await batcher.call(0) } }
            for _ in 0..<5_000 where recorder.batches.withLock({ $0.isEmpty }) { try? await Task.sleep(for: .milliseconds(1)) }
            for item in 1...3 {
                group.addTask { await tracer.withSpan("caller \(item)") { _ in _ = await batcher.call(item) } }
            }
        }
        let spans = tracer.finishedSpans
        let callers = Dictionary(uniqueKeysWithValues: spans.filter { $0.operationName.hasPrefix("caller") }.map { ($0.operationName, $0) })
        let batches = spans.filter { $0.operationName == "send (batch)" }
        #expect(batches.count == 2)
        #expect(recorder.batches.withLock { $0 }.map(\.count) == [1, 3])
        let alone = try #require(batches.first { $0.links.isEmpty })
        #expect(alone.traceID == callers["caller 0"]?.traceID && alone.parentSpanID == callers["caller 0"]?.spanID, "sent alone, in its caller's trace")
        let together = try #require(batches.first { !$0.links.isEmpty })
        let sender = try #require(callers.values.first { $0.spanID == together.parentSpanID }, "sent from one of its callers' spans")
        let linked = Set(together.links.compactMap { $0.context.inMemorySpanContext?.spanID })
        let others = Set(["caller 1", "caller 2", "caller 3"].compactMap { callers[$0]?.spanID }).subtracting([sender.spanID])
        #expect(others.count == 2 && linked == others, "the two other callers' spans are linked")
        #expect(together.attributes["batch.size"]?.toSpanAttribute() == .int64(3))
    }
}
