import Logging
import RegistryDomain

/// The registry's log of what changed: registrations, removals and health changes at info or warning, the lines a
/// person watching the stack wants. Heartbeats that change nothing are not events at all.
enum CatalogLog {
    static func write(_ event: CatalogEvent, to logger: Logger) {
        switch event {
        case .registered(let instance):
            logger.info("registered", metadata: [
                "service": .string(instance.service), "instance": .string(instance.id),
                "address": .string("\(instance.address):\(instance.port)"), "health": .string(instance.health.rawValue),
            ])
        case .removed(let instance, .deregistered):
            logger.info("deregistered", metadata: ["service": .string(instance.service), "instance": .string(instance.id)])
        case .removed(let instance, .criticalTooLong(let check)):
            logger.warning("removed: critical longer than its DeregisterCriticalServiceAfter", metadata: [
                "service": .string(instance.service), "instance": .string(instance.id), "check": .string(check),
            ])
        case .checkChanged(let instance, let service, let check, let from, let to, let output):
            logger.log(level: to == .passing ? .info : .warning, "check \(from.rawValue) → \(to.rawValue)", metadata: [
                "service": .string(service), "instance": .string(instance), "check": .string(check), "output": .string(String(output.prefix(200))),
            ])
        }
    }
}
