import RegistryDomain

/// Runs the registry's HTTP and TCP checks: every `tick` it takes the checks that are due and probes each in its own
/// task, so one slow endpoint never delays another check. Returns when cancelled.
public struct HealthCheckRunner: Sendable {
    let registry: ServiceRegistry
    let prober: any HealthProber
    let tick: Duration

    public init(registry: ServiceRegistry, prober: any HealthProber, tick: Duration = .milliseconds(100)) {
        self.registry = registry
        self.prober = prober
        self.tick = tick
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for probe in await registry.takeDueProbes() {
                    group.addTask {
                        let result = await prober.probe(probe)
                        await registry.record(result, of: probe)
                    }
                }
                try? await Task.sleep(for: tick)
            }
        }
    }
}
