import NIOCore
import NIOPosix
import TradewindConcurrencyHook

/// Runs Swift concurrency's global jobs on NIO's singleton event loops, the ones that serve the sockets, so that a
/// request's handler, its database and HTTP calls and its response do not hop between NIO's threads and the
/// concurrency pool's (Benchmarks/README.md, eighth round).
///
/// NIO offers the same (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`),
/// but finds the runtime's hook with `dlsym`, which fails in a binary linked with `--static-swift-stdlib`, as the
/// images are: their services ran on the default pool while the benchmarks measured the dynamically linked build.
/// The hook here is resolved when the binary is linked, so both builds run alike.
public enum EventLoopTasks {
    private typealias DefaultEnqueue = @convention(thin) (UnownedJob) -> Void
    private typealias EnqueueHook = @convention(thin) (UnownedJob, DefaultEnqueue) -> Void

    /// Sends every job for the global executor to an event loop of `MultiThreadedEventLoopGroup.singleton` (the
    /// current one when called on one, so a task stays on its loop). Call once, before any task starts; returns
    /// false when another hook was installed first.
    public static func install() -> Bool {
        let hook: EnqueueHook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().enqueue(ExecutorJob(job))
        }
        return tradewind_install_enqueue_global_hook(unsafeBitCast(hook, to: UnsafeRawPointer.self))
    }

    /// Whether a task started now runs on one of the singleton event loops: what the process does, observed,
    /// rather than what `install` reported.
    public static func areInEffect() async -> Bool {
        await Task.detached { MultiThreadedEventLoopGroup.currentEventLoop != nil }.value
    }
}
