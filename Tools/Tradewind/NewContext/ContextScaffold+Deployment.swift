import Foundation
import Mustache
import Yams

/// The new context's service, deployed the way `cart-service` is: a compose service, an image target, Kubernetes
/// manifests, a scrape target, and an entry in every CI list of services. Unlike cart-service it calls no other
/// service, and it has a PostgreSQL database only with `--with-database` (otherwise SQLite on a scratch volume).
extension ContextScaffold {
    static let deployTemplateFolder = "Tools/Templates/Deploy"

    /// The deployment files that name every service: docker-compose, the image build, Kubernetes, monitoring, CI.
    /// One registration per file, as `plan()` edits each file's original text once.
    var deploymentRegistrations: [Registration] {
        var registrations = [
            Registration(file: "docker-compose.yml") { text throws(ContextGenerationError) in try editCompose(text) },
            Registration(file: "Deploy/compose/tradewind.env.example") { text throws(ContextGenerationError) in try editEnvExample(text) },
            Registration(file: "Deploy/docker/Dockerfile") { text throws(ContextGenerationError) in try editDockerfile(text) },
            Registration(file: "Deploy/k8s/base/kustomization.yaml") { text throws(ContextGenerationError) in try editBaseKustomization(text) },
            Registration(file: "Deploy/k8s/base/networkpolicies.yaml") { text throws(ContextGenerationError) in try editNetworkPolicies(text) },
            Registration(file: "Deploy/k8s/base/gateway.yaml") { text throws(ContextGenerationError) in try editGatewayConfig(text) },
            Registration(file: "Deploy/k8s/overlays/dev/kustomization.yaml") { text throws(ContextGenerationError) in
                try editOverlay(text, file: "Deploy/k8s/overlays/dev/kustomization.yaml", image: "newTag: dev")
            },
            Registration(file: "Deploy/k8s/overlays/prod/kustomization.yaml") { text throws(ContextGenerationError) in
                try editOverlay(text, file: "Deploy/k8s/overlays/prod/kustomization.yaml", image: "newName: ghcr.io/tradewind/\(names.serviceName)")
            },
            Registration(file: "Deploy/k8s/overlays/prod/hpa.yaml") { text throws(ContextGenerationError) in try editAutoscalers(text) },
            Registration(file: "Deploy/k8s/overlays/prod/pdb.yaml") { text throws(ContextGenerationError) in try editDisruptionBudgets(text) },
            Registration(file: "Deploy/k8s/README.md") { text throws(ContextGenerationError) in try editKubernetesReadme(text) },
            Registration(file: "Deploy/observability/prometheus.yml") { text throws(ContextGenerationError) in try editPrometheus(text) },
            Registration(file: "Deploy/ci/check-semantics.py") { text throws(ContextGenerationError) in try editSemanticsCheck(text) },
            Registration(file: "Deploy/ci/compose.base-images.yaml") { text throws(ContextGenerationError) in try editCIBaseImages(text) },
            Registration(file: "Deploy/ci/compose-check.sh") { text throws(ContextGenerationError) in try editComposeCheck(text) },
            Registration(file: "Deploy/ci/k8s-pod-check.py") { text throws(ContextGenerationError) in try editPodCheck(text) },
            Registration(file: "Deploy/validate.sh") { text throws(ContextGenerationError) in try editValidate(text) },
            Registration(file: "Jenkinsfile") { text throws(ContextGenerationError) in try editJenkinsfile(text) },
        ]
        if withDatabase {
            // The two copies of the init script must stay identical (Deploy/validate.sh compares them).
            for file in ["Deploy/compose/postgres-init.sh", "Deploy/k8s/overlays/dev/postgres/postgres-init.sh"] {
                registrations.append(Registration(file: file) { text throws(ContextGenerationError) in try editPostgresInit(text, file: file) })
            }
            registrations.append(Registration(file: "Deploy/k8s/overlays/dev/postgres/statefulset.yaml") { text throws(ContextGenerationError) in
                try editDevPostgres(text)
            })
        }
        for publisher in Set(consumed.map(\.publisher)).sorted() {
            let file = "Deploy/k8s/base/\(publisher).yaml"
            registrations.append(Registration(file: file) { text throws(ContextGenerationError) in try editPublisher(text, file: file) })
        }
        return registrations
    }

    /// New deployment files, relative path → content: the service's Kubernetes ConfigMap, Service and Deployment,
    /// which the base kustomization lists (`editBaseKustomization`).
    var deploymentFiles: [String: String] {
        get throws(ContextGenerationError) {
            let file = "Deploy/k8s/base/\(names.serviceName).yaml"
            if FileManager.default.fileExists(atPath: repository.appendingPathComponent(file).path) {
                throw .alreadyExists(names.name, file)
            }
            let manifest = try Self.checkedYAML(try renderDeployTemplate("k8s-service.yaml"), file: file, holds: names.serviceName)
            return [file: manifest]
        }
    }

    /// The values the templates under Tools/Templates/Deploy read: identifiers and numbers only, which HTML
    /// escaping leaves as they are.
    var deploymentValues: [String: Any] {
        [
            "Name": names.name, "serviceName": names.serviceName, "stackName": names.stackName, "databaseName": names.databaseName,
            "port": port, "withDatabase": withDatabase, "passwordVariable": passwordVariable,
            "registryTokenVariable": registryTokenVariable, "description": names.stackName.replacingOccurrences(of: "-", with: " ") + " service",
            "publishes": published != nil, "PublishedEvent": published ?? "", "clientSecretVariable": clientSecretVariable,
        ]
    }

    /// `PAYMENT_SERVICE_CLIENT_SECRET`: the secret of a publisher's machine client, in compose's `.env`.
    var clientSecretVariable: String { "\(names.environmentPrefix)_SERVICE_CLIENT_SECRET" }

    /// `PAYMENT_DB_PASSWORD`: the postgres role's password, as compose, the init script and the dev Secret name it.
    var passwordVariable: String { "\(names.environmentPrefix)_DB_PASSWORD" }

    /// `PAYMENT_SERVICE_REGISTRY_TOKEN`: Deploy/compose/new-env.sh derives the service name back from it.
    var registryTokenVariable: String { "\(names.environmentPrefix)_SERVICE_REGISTRY_TOKEN" }

    /// A whole file rendered from `Tools/Templates/Deploy/<name>.mustache`.
    func renderDeployTemplate(_ name: String) throws(ContextGenerationError) -> String {
        let path = "\(Self.deployTemplateFolder)/\(name).mustache"
        let source = try read(path)
        do {
            return try MustacheTemplate(string: source).render(deploymentValues)
        } catch {
            throw .template(path, "\(error)")
        }
    }

    /// A block to insert at a marker: the template without its last line break.
    func renderDeployBlock(_ name: String) throws(ContextGenerationError) -> String {
        let rendered = try renderDeployTemplate(name)
        return rendered.hasSuffix("\n") ? String(rendered.dropLast()) : rendered
    }

    /// Refuses a file that names the service already (`word` not preceded by a letter, digit, `_` or `-`, so that
    /// `art-service` is not found in `cart-service`).
    func refuseIfNamed(_ word: String, in text: String, file: String) throws(ContextGenerationError) {
        let pattern = "(?<![A-Za-z0-9_-])" + NSRegularExpression.escapedPattern(for: word) + "(?![A-Za-z0-9_])"
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return }
        if expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
            throw .alreadyExists(names.name, "\(file) names \(word) already")
        }
    }

    /// The usual edit of a YAML file: refused when the file names the service already, `block` inserted at the
    /// marker, and the result parsed again and required to hold `expected`.
    func insertIntoYAML(_ block: String, at marker: String, in text: String, file: String, holds expected: String) throws(ContextGenerationError) -> String {
        try refuseIfNamed(names.serviceName, in: text, file: file)
        return try Self.checkedYAML(Self.insert(block, before: marker, in: text, file: file, comment: "#"), file: file, holds: expected)
    }

    /// Parses every document of the edited YAML and checks that `expected` is one of its keys or values (not
    /// just text in a comment), so that a marker in the wrong place cannot produce a broken or silent file.
    static func checkedYAML(_ text: String, file: String, holds expected: String) throws(ContextGenerationError) -> String {
        var documents: [Any] = []
        do {
            let parser = try Yams.Parser(yaml: text)
            while let node = try parser.nextRoot() { documents.append(node.any) }
        } catch {
            throw .unreadableFile(file, "the edit for the new context leaves YAML that does not parse: \(error)")
        }
        guard documents.contains(where: { holds($0, expected) }) else {
            throw .unreadableFile(file, "after the edit it still does not hold \(expected)")
        }
        return text
    }

    /// Whether a parsed YAML value holds `expected` as a string, a mapping key, or inside either.
    static func holds(_ value: Any, _ expected: String) -> Bool {
        switch value {
        case let string as String: string == expected
        case let sequence as [Any]: sequence.contains { holds($0, expected) }
        case let mapping as [AnyHashable: Any]: mapping.contains { holds($0.key.base, expected) || holds($0.value, expected) }
        case let mapping as [String: Any]: mapping.contains { $0.key == expected || holds($0.value, expected) }
        default: false
        }
    }
}
