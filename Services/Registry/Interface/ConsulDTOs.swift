import Foundation
import RegistryDomain

/// The subset of Consul's JSON that the registry speaks, with Consul's field names, so Consul clients work.
struct AgentServiceRegistration: Decodable {
    struct Check: Decodable {
        var ttl: String?
        var deregisterCriticalServiceAfter: String?

        enum CodingKeys: String, CodingKey {
            case ttl = "TTL"
            case deregisterCriticalServiceAfter = "DeregisterCriticalServiceAfter"
        }
    }

    var id: String?
    var name: String
    var address: String?
    var port: Int
    var tags: [String]?
    var meta: [String: String]?
    var check: Check?

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", address = "Address", port = "Port", tags = "Tags", meta = "Meta", check = "Check"
    }
}

struct HealthServiceEntry: Encodable {
    struct Node: Encodable {
        let node: String, address: String
        enum CodingKeys: String, CodingKey { case node = "Node", address = "Address" }
    }

    struct Service: Encodable {
        let id: String, service: String, address: String, port: Int, tags: [String], meta: [String: String], modifyIndex: UInt64
        enum CodingKeys: String, CodingKey {
            case id = "ID", service = "Service", address = "Address", port = "Port", tags = "Tags", meta = "Meta", modifyIndex = "ModifyIndex"
        }
    }

    struct Check: Encodable {
        let checkID: String, name: String, status: String, serviceID: String, serviceName: String
        enum CodingKeys: String, CodingKey {
            case checkID = "CheckID", name = "Name", status = "Status", serviceID = "ServiceID", serviceName = "ServiceName"
        }
    }

    let node: Node
    let service: Service
    let checks: [Check]

    enum CodingKeys: String, CodingKey { case node = "Node", service = "Service", checks = "Checks" }

    init(_ instance: ServiceInstance) {
        node = Node(node: "tradewind-registry", address: instance.address)
        service = Service(
            id: instance.id, service: instance.service, address: instance.address, port: instance.port,
            tags: instance.tags, meta: instance.metadata, modifyIndex: instance.modifyIndex
        )
        checks = [Check(checkID: "service:\(instance.id)", name: "TTL check", status: instance.health.rawValue, serviceID: instance.id, serviceName: instance.service)]
    }
}

/// Consul's duration strings: "10s", "1m", "500ms", "1m30s", "2h".
enum ConsulDuration {
    static func parse(_ text: String) -> Duration? {
        guard !text.isEmpty, text.utf8.count <= 32 else { return nil }
        var total: Duration = .zero
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return false
            }
            total += .milliseconds(Int64((value * scale * 1000).rounded()))
            number = ""
            unit = ""
            return true
        }
        for character in text {
            if character.isNumber || character == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard flush() else { return nil }
        return total
    }
}
