import Foundation

/// The new service where monitoring and the CI scripts list the services.
extension ContextScaffold {
    /// A scrape target labelled with the service, which the Grafana dashboard groups by.
    func editPrometheus(_ text: String) throws(ContextGenerationError) -> String {
        let target = "\(names.serviceName):\(port)"
        return try insertIntoYAML("- targets: [\"\(target)\"]\n  labels:\n    service: \(names.serviceName)", at: "tradewind new context: scrape targets",
                                  in: text, file: "Deploy/observability/prometheus.yml", holds: target)
    }

    /// The deployment files' semantic check knows each service's port, database and callers.
    func editSemanticsCheck(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/ci/check-semantics.py"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        let database = withDatabase ? "True" : "False", client = published != nil ? "True" : "False"
        return try Self.insert("\"\(names.serviceName)\": dict(port=\(port), db=\(database), jwks=True, calls=[], client=\(client)),",
                               before: "tradewind new context: services", in: text, file: file, comment: "#")
    }

    /// The compose run checks each image's size, each service's trust in the gateway, and each scrape target.
    func editComposeCheck(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/ci/compose-check.sh"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        let text = try Self.add(names.serviceName, like: "cart-service", to: .shellLoop, in: text, file: file)
        return try Self.add(names.serviceName, like: "cart-service", to: .pythonSet, in: text, file: file)
    }

    /// The pod check makes each service's test Secrets (its registry token, which it needs even when the Secret
    /// is optional, a database URL, unused without a database, and a publisher's machine client secret).
    func editPodCheck(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/ci/k8s-pod-check.py"
        let text = try Self.add(names.stackName, like: "cart", to: .pythonTuple, in: text, file: file)
        guard published != nil else { return text }
        return try Self.add(names.serviceName, like: "cargo-service", to: .pythonTuple, in: text, file: file)
    }

    /// validate.sh counts the prod Deployments that get the pipeline's image tags.
    func editValidate(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/validate.sh"
        let prefix = "assert len(images) == "
        guard let start = text.range(of: prefix) else { throw .missingMarker(file: file, marker: prefix) }
        let digits = text[start.upperBound...].prefix { $0.isNumber }
        guard let count = Int(digits) else { throw .unreadableFile(file, "no number after '\(prefix)'") }
        return text.replacingCharacters(in: start.upperBound..<digits.endIndex, with: String(count + 1))
    }

    /// The pipeline builds, pushes and cleans up one image per service.
    func editJenkinsfile(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Jenkinsfile"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        let text = try Self.add(names.serviceName, like: "cart-service", to: .groovyList, in: text, file: file)
        return try Self.add(names.serviceName, like: "cart-service", to: .shellLoop, in: text, file: file)
    }
}
