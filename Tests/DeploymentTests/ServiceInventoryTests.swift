import Foundation
import Testing
import Yams
@testable import tradewind

/// The services `tradewind up` starts, the ones docker-compose.yml builds and the ones the Kubernetes base deploys
/// are the same set, with the same ports, so that a new bounded context cannot be forgotten in one of them.
@Suite struct ServiceInventoryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func yaml(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
    }

    /// Executable → port, as `tradewind up` runs the stack.
    static var localStack: [String: Int] {
        Dictionary(uniqueKeysWithValues: StackService.all.map { ($0.executable, $0.port) })
    }

    @Test func composeBuildsEveryServiceOfTheLocalStack() throws {
        let compose = try #require(try Yams.load(yaml: try Self.yaml("docker-compose.yml")) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        var built: [String: Int] = [:]
        for (name, definition) in services {
            guard let definition = definition as? [String: Any],
                  let executable = (definition["build"] as? [String: Any])?["target"] as? String else { continue }
            #expect(name == executable, "compose service \(name) builds \(executable)")
            let environment = definition["environment"] as? [String: Any] ?? [:]
            built[executable] = (environment["PORT"] as? String).flatMap { Int($0) } ?? (environment["PORT"] as? Int) ?? -1
        }
        #expect(built == Self.localStack)
    }

    @Test func theKubernetesBaseDeploysEveryServiceOfTheLocalStack() throws {
        let kustomization = try #require(try Yams.load(yaml: try Self.yaml("Deploy/k8s/base/kustomization.yaml")) as? [String: Any])
        let resources = try #require(kustomization["resources"] as? [String])
        var deployed: [String: Int] = [:]
        var services: Set<String> = []
        for resource in resources {
            for case let document as [String: Any] in try Yams.load_all(yaml: try Self.yaml("Deploy/k8s/base/\(resource)")) {
                let name = (document["metadata"] as? [String: Any])?["name"] as? String ?? "?"
                switch document["kind"] as? String {
                case "Deployment":
                    let containers = (((document["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]] ?? []
                    let port = (containers.first?["ports"] as? [[String: Any]])?.first?["containerPort"] as? Int
                    deployed[name] = port ?? -1
                case "Service":
                    services.insert(name)
                default:
                    break
                }
            }
        }
        #expect(deployed == Self.localStack)
        #expect(services == Set(Self.localStack.keys), "a Service per Deployment, under the same name")
    }

    @Test func everyServiceHasAnExecutableProduct() throws {
        let manifest = try Self.yaml("Package.swift")
        for executable in Self.localStack.keys {
            #expect(manifest.contains(#".executable(name: "\#(executable)""#), "Package.swift has no executable product \(executable)")
        }
    }

    /// The Dockerfile stages every service out of its one build and has an image target for each.
    @Test func theDockerfileHasAnImageTargetForEveryService() throws {
        let dockerfile = try Self.yaml("Deploy/docker/Dockerfile")
        let targets = Set(dockerfile.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count == 4, words[0] == "FROM", words[1] == "runtime", words[2] == "AS" else { return nil }
            return String(words[3])
        })
        #expect(targets == Set(Self.localStack.keys))
        let staged = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("ARG SERVICES=") })
        let names = staged.dropFirst("ARG SERVICES=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        #expect(Set(names.split(separator: " ").map(String.init)) == Set(Self.localStack.keys), "ARG SERVICES stages \(names)")
    }

    /// Kubernetes dev runs exactly the images `docker compose build` makes (tradewind/<service>:dev).
    @Test func theDevOverlayRunsTheImagesComposeBuilds() throws {
        let compose = try #require(try Yams.load(yaml: try Self.yaml("docker-compose.yml")) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        var built: Set<String> = []
        for case let (_, definition as [String: Any]) in services where definition["build"] != nil {
            let image = try #require(definition["image"] as? String)
            built.insert(image.replacingOccurrences(of: "${TRADEWIND_TAG:-dev}", with: "dev"))
        }
        let dev = try #require(try Yams.load(yaml: try Self.yaml("Deploy/k8s/overlays/dev/kustomization.yaml")) as? [String: Any])
        let images = try #require(dev["images"] as? [[String: Any]])
        let run = Set(images.compactMap { entry -> String? in
            guard let name = entry["name"] as? String, let tag = entry["newTag"] as? String else { return nil }
            return "\(entry["newName"] as? String ?? name):\(tag)"
        })
        #expect(run == built)
        #expect(built == Set(Self.localStack.keys.map { "tradewind/\($0):dev" }))
    }
}
