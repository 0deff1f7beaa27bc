import Foundation
import RegistryDomain

/// What the registry answers, in Consul's field names and shapes. The registry is one node of one datacenter.
struct ConsulNode: Encodable {
    static let name = "tradewind-registry"
    /// A fixed id: the registry is always the same single node.
    static let id = "7f6b8c2e-54d1-4b0e-9a51-0c6f1a2b3c4d"

    let address: String
    let datacenter: String
    let createIndex: UInt64
    let modifyIndex: UInt64

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ConsulJSON.Key.self)
        try container.encode(Self.id, forKey: .init(stringValue: "ID"))
        try container.encode(Self.name, forKey: .init(stringValue: "Node"))
        try container.encode(address, forKey: .init(stringValue: "Address"))
        try container.encode(datacenter, forKey: .init(stringValue: "Datacenter"))
        try container.encode(["lan": address, "wan": address], forKey: .init(stringValue: "TaggedAddresses"))
        try container.encode([String: String](), forKey: .init(stringValue: "Meta"))
        try container.encode(createIndex, forKey: .init(stringValue: "CreateIndex"))
        try container.encode(modifyIndex, forKey: .init(stringValue: "ModifyIndex"))
    }
}

struct ConsulWeights: Encodable {
    let Passing = 1, Warning = 1
}

/// `Service` in a health entry, and the values of `/v1/agent/services`.
struct AgentServiceView: Encodable {
    let instance: ServiceInstance
    let datacenter: String
    let includesIndexes: Bool

    enum CodingKeys: String, CodingKey {
        case id = "ID", service = "Service", tags = "Tags", address = "Address", meta = "Meta", port = "Port", weights = "Weights"
        case enableTagOverride = "EnableTagOverride", taggedAddresses = "TaggedAddresses", datacenter = "Datacenter"
        case createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(instance.id, forKey: .id)
        try container.encode(instance.service, forKey: .service)
        try container.encode(instance.tags, forKey: .tags)
        try container.encode(instance.address, forKey: .address)
        try container.encode(instance.metadata, forKey: .meta)
        try container.encode(instance.port, forKey: .port)
        try container.encode(ConsulWeights(), forKey: .weights)
        try container.encode(false, forKey: .enableTagOverride)
        try container.encode([String: String](), forKey: .taggedAddresses)
        try container.encode(datacenter, forKey: .datacenter)
        if includesIndexes {
            try container.encode(instance.createIndex, forKey: .createIndex)
            try container.encode(instance.modifyIndex, forKey: .modifyIndex)
        }
    }
}

/// One check, as in health entries and `/v1/agent/checks`.
struct HealthCheckView: Encodable {
    let check: HealthCheck
    let instance: ServiceInstance

    enum CodingKeys: String, CodingKey {
        case node = "Node", checkID = "CheckID", name = "Name", status = "Status", notes = "Notes", output = "Output"
        case serviceID = "ServiceID", serviceName = "ServiceName", serviceTags = "ServiceTags", type = "Type"
        case interval = "Interval", timeout = "Timeout", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ConsulNode.name, forKey: .node)
        try container.encode(check.id, forKey: .checkID)
        try container.encode(check.name, forKey: .name)
        try container.encode(check.status.rawValue, forKey: .status)
        try container.encode("", forKey: .notes)
        try container.encode(check.output, forKey: .output)
        try container.encode(instance.id, forKey: .serviceID)
        try container.encode(instance.service, forKey: .serviceName)
        try container.encode(instance.tags, forKey: .serviceTags)
        try container.encode(check.type, forKey: .type)
        try container.encode(check.interval.map(ConsulDuration.format) ?? "", forKey: .interval)
        try container.encode(check.interval == nil ? "" : ConsulDuration.format(check.timeout), forKey: .timeout)
        try container.encode(instance.createIndex, forKey: .createIndex)
        try container.encode(check.modifyIndex, forKey: .modifyIndex)
    }
}

/// An element of `/v1/health/service/{name}`.
struct HealthServiceEntry: Encodable {
    let node: ConsulNode
    let service: AgentServiceView
    let checks: [HealthCheckView]

    enum CodingKeys: String, CodingKey { case node = "Node", service = "Service", checks = "Checks" }

    init(_ instance: ServiceInstance, datacenter: String) {
        node = ConsulNode(address: instance.address, datacenter: datacenter, createIndex: 1, modifyIndex: 1)
        service = AgentServiceView(instance: instance, datacenter: datacenter, includesIndexes: true)
        checks = instance.checks.map { HealthCheckView(check: $0, instance: instance) }
    }
}

/// An element of `/v1/catalog/service/{name}`.
struct CatalogServiceEntry: Encodable {
    let instance: ServiceInstance
    let datacenter: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ConsulJSON.Key.self)
        func put(_ value: some Encodable, _ key: String) throws { try container.encode(value, forKey: .init(stringValue: key)) }
        try put(ConsulNode.id, "ID")
        try put(ConsulNode.name, "Node")
        try put(instance.address, "Address")
        try put(datacenter, "Datacenter")
        try put(["lan": instance.address, "wan": instance.address], "TaggedAddresses")
        try put([String: String](), "NodeMeta")
        try put("", "ServiceKind")
        try put(instance.id, "ServiceID")
        try put(instance.service, "ServiceName")
        try put(instance.tags, "ServiceTags")
        try put(instance.address, "ServiceAddress")
        try put(instance.metadata, "ServiceMeta")
        try put(instance.port, "ServicePort")
        try put(ConsulWeights(), "ServiceWeights")
        try put(false, "ServiceEnableTagOverride")
        try put([String: String](), "ServiceTaggedAddresses")
        try put(instance.createIndex, "CreateIndex")
        try put(instance.modifyIndex, "ModifyIndex")
    }
}

/// `PUT /v1/agent/check/update/{id}`.
struct CheckUpdate: Decodable {
    var status: String?
    var output: String?
    enum CodingKeys: String, CodingKey { case status, output }
}
