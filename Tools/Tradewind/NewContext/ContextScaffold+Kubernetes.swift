import Foundation

/// The new service in the Kubernetes base, the overlays and the operator's guide.
extension ContextScaffold {
    /// The new manifest among the base's resources, before the gateway's.
    func editBaseKustomization(_ text: String) throws(ContextGenerationError) -> String {
        try insertIntoYAML("- \(names.serviceName).yaml", at: "tradewind new context: resources", in: text,
                           file: "Deploy/k8s/base/kustomization.yaml", holds: "\(names.serviceName).yaml")
    }

    /// Like cart-service-ingress: the Tradewind pods (the gateway among them) may reach its port, and Prometheus'
    /// namespace may scrape it there.
    func editNetworkPolicies(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/k8s/base/networkpolicies.yaml"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        var text = try Self.insert(try renderDeployBlock("networkpolicy.yaml"), before: "tradewind new context: ingress policies", in: text, file: file, comment: "#")
        text = try Self.insert("- protocol: TCP\n  port: \(port)", before: "tradewind new context: metrics ports", in: text, file: file, comment: "#")
        return try Self.checkedYAML(text, file: file, holds: "\(names.serviceName)-ingress")
    }

    /// The gateway finds each upstream through a fixed URL on Kubernetes (REGISTRY_URL=none).
    func editGatewayConfig(_ text: String) throws(ContextGenerationError) -> String {
        let url = "http://\(names.serviceName):\(port)"
        return try insertIntoYAML("\(names.environmentPrefix)_SERVICE_URL: \"\(url)\"", at: "tradewind new context: service URLs", in: text,
                                  file: "Deploy/k8s/base/gateway.yaml", holds: url)
    }

    /// On Kubernetes there is no registry, and a publisher asks only the services it knows of for their
    /// subscriptions: the publisher of each consumed event is told of the new service (`EVENT_CONSUMERS`, a
    /// comma-separated list of names) and where it is (its `<SERVICE>_URL`, which StaticDiscovery reads for it).
    func editPublisher(_ text: String, file: String) throws(ContextGenerationError) -> String {
        try refuseIfNamed(names.serviceName, in: text, file: file)
        let marker = "tradewind new context: event consumers"
        var text = text
        if text.contains(InlineList.eventConsumers.opening) {
            text = try Self.add(names.serviceName, like: nil, to: .eventConsumers, in: text, file: file)
        } else {
            text = try Self.insert("EVENT_CONSUMERS: \"\(names.serviceName)\"", before: marker, in: text, file: file, comment: "#")
        }
        let url = "http://\(names.serviceName):\(port)"
        text = try Self.insert("\(names.environmentPrefix)_SERVICE_URL: \"\(url)\"", before: marker, in: text, file: file, comment: "#")
        return try Self.checkedYAML(text, file: file, holds: url)
    }

    /// An overlay's image entry (dev: the tag compose builds; prod: the registry) and the service in every patch
    /// that targets cart-service (prod: replicas, spreading); not in the sample-data patches. The log level is in
    /// the settings ConfigMap, which names no service.
    func editOverlay(_ text: String, file: String, image: String) throws(ContextGenerationError) -> String {
        try refuseIfNamed(names.serviceName, in: text, file: file)
        var text = try Self.insert("- name: tradewind/\(names.serviceName)\n  \(image)",
                                   before: "tradewind new context: images", in: text, file: file, comment: "#")
        if text.contains("|cart-service|") {
            text = try Self.add(names.serviceName, like: "cart-service", to: .nameAlternation, in: text, file: file)
        }
        return try Self.checkedYAML(text, file: file, holds: "tradewind/\(names.serviceName)")
    }

    /// The dev PostgreSQL gets the role's password from the Secret postgres-init and admits the service's pods.
    func editDevPostgres(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/k8s/overlays/dev/postgres/statefulset.yaml"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        var text = try Self.insert(try renderDeployBlock("postgres-password-env.yaml"), before: "tradewind new context: database passwords", in: text, file: file, comment: "#")
        text = try Self.insert("- \(names.serviceName)", before: "tradewind new context: database services", in: text, file: file, comment: "#")
        return try Self.checkedYAML(text, file: file, holds: passwordVariable)
    }

    /// Production scales every service but the registry between 2 and 6 replicas, like cart-service.
    func editAutoscalers(_ text: String) throws(ContextGenerationError) -> String {
        try insertIntoYAML(try renderDeployBlock("hpa.yaml"), at: "tradewind new context: autoscalers", in: text,
                           file: "Deploy/k8s/overlays/prod/hpa.yaml", holds: names.serviceName)
    }

    /// Production keeps one instance of every scaled service through node drains.
    func editDisruptionBudgets(_ text: String) throws(ContextGenerationError) -> String {
        try insertIntoYAML(try renderDeployBlock("pdb.yaml"), at: "tradewind new context: disruption budgets", in: text,
                           file: "Deploy/k8s/overlays/prod/pdb.yaml", holds: names.serviceName)
    }

    /// The operator's guide lists the Secrets and keys to create, and Deploy/ci/check-semantics.py requires every
    /// key the manifests use to be documented there; its lists of services in commands are kept complete too.
    /// Markdown has no comment a marker could hide in inside a table, so these are structural edits.
    func editKubernetesReadme(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/k8s/README.md"
        let service = names.serviceName
        try refuseIfNamed(service, in: text, file: file)
        let database = withDatabase ? "`\(service)-database`" : "– (SQLite in an emptyDir)"
        var text = try Self.insertLine("| `\(service)` | \(port) | \(database) | `tradewind/\(service)` |",
                                       beforeLineStartingWith: "| `gateway` |", in: text, file: file)
        text = try Self.add("\(service)-registry-token", like: "cart-service-registry-token", to: .readmeRegistryTokens, in: text, file: file)
        text = try Self.add(service, like: "cart-service", to: .shellLoop, in: text, file: file)
        text = try Self.add(service, like: "cart-service", to: .readmeImageLoop, in: text, file: file)
        text = try Self.add(service, like: "cart-service", to: .readmeImages, in: text, file: file)
        text = try Self.add(service, like: "cart-service", to: .nameAlternation, in: text, file: file)
        if published != nil {
            text = try Self.add("\(service)-client-secret", like: "cargo-service-client-secret", to: .readmeClientSecrets, in: text, file: file)
            text = try Self.add("\(service):<\(names.stackName) secret>", like: nil, to: .readmeServiceClients, in: text, file: file)
            text = try Self.add(service, like: "cargo-service", to: .readmeClientLoop, in: text, file: file)
        }
        guard withDatabase else { return text }
        text = try Self.add("\(service)-database", like: "cart-service-database", to: .readmeDatabaseSecrets, in: text, file: file)
        text = try Self.add("\(names.stackName)-db-password", like: "cart-db-password", to: .readmePostgresInitKeys, in: text, file: file)
        text = try Self.add(names.stackName, like: "cart", to: .shellLoop, in: text, file: file)
        return try Self.add("\(service)-database", like: "cart-service-database", to: .readmeProductionSecrets, in: text, file: file)
    }
}
