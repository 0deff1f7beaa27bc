import Foundation

/// The new service in docker-compose, its PostgreSQL database and the image build.
extension ContextScaffold {
    /// The service block, the password the postgres init script gives its role, the gateway waiting for it (the
    /// gateway starts last, so that a healthy gateway means a whole stack), and a publisher's machine client.
    func editCompose(_ text: String) throws(ContextGenerationError) -> String {
        let file = "docker-compose.yml"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        var text = try Self.insert(try renderDeployBlock("compose-service.yml"), before: "tradewind new context: services", in: text, file: file, comment: "#")
        if withDatabase {
            text = try Self.insert("\(passwordVariable): ${\(passwordVariable):?set \(passwordVariable) in .env}",
                                   before: "tradewind new context: database passwords", in: text, file: file, comment: "#")
        }
        text = try Self.insert("\(names.serviceName):\n  condition: service_healthy",
                               before: "tradewind new context: gateway dependencies", in: text, file: file, comment: "#")
        if published != nil {
            text = try Self.add("\(names.serviceName):${\(clientSecretVariable):?set \(clientSecretVariable) in .env}", like: nil,
                                to: .composeServiceClients, in: text, file: file)
        }
        return try Self.checkedYAML(text, file: file, holds: names.serviceName)
    }

    /// The placeholders Deploy/compose/new-env.sh replaces: a registry token derived from the registry's secret,
    /// and a random database password and machine client secret.
    func editEnvExample(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/compose/tradewind.env.example"
        try refuseIfNamed(registryTokenVariable, in: text, file: file)
        var text = try Self.insert("\(registryTokenVariable)=derived-from-registry-secret",
                                   before: "tradewind new context: registry tokens", in: text, file: file, comment: "#")
        if withDatabase {
            text = try Self.insert("\(passwordVariable)=change-me-\(names.stackName)-db",
                                   before: "tradewind new context: database passwords", in: text, file: file, comment: "#")
        }
        if published != nil {
            text = try Self.insert("\(clientSecretVariable)=change-me-\(names.stackName)-client-secret",
                                   before: "tradewind new context: client secrets", in: text, file: file, comment: "#")
        }
        return text
    }

    /// One database and role for the service, in both copies of the init script.
    func editPostgresInit(_ text: String, file: String) throws(ContextGenerationError) -> String {
        try refuseIfNamed(names.databaseName, in: text, file: file)
        return try Self.insert("create_database \(names.databaseName) \"${\(passwordVariable):-}\"",
                               before: "tradewind new context: databases", in: text, file: file, comment: "#")
    }

    /// The service in the list the build stage stages, in the comment listing the targets, and an image stage of
    /// its own before the gateway's.
    func editDockerfile(_ text: String) throws(ContextGenerationError) -> String {
        let file = "Deploy/docker/Dockerfile"
        try refuseIfNamed(names.serviceName, in: text, file: file)
        var text = try Self.add(names.serviceName, like: "cart-service", to: .dockerfileServices, in: text, file: file)
        text = try Self.add(names.serviceName, like: "cart-service", to: .dockerfileTargets, in: text, file: file)
        return try Self.insert(try renderDeployBlock("Dockerfile-stage"), before: "tradewind new context: images", in: text, file: file, comment: "#")
    }

    /// The service built on CI's local stand-in base image, as every other service (without it, its image build
    /// asks Docker Hub, which CI cannot reach).
    func editCIBaseImages(_ text: String) throws(ContextGenerationError) -> String {
        try insertIntoYAML("\(names.serviceName):\n  build: { args: *stand-in-bases }", at: "tradewind new context: images",
                           in: text, file: "Deploy/ci/compose.base-images.yaml", holds: names.serviceName)
    }
}
