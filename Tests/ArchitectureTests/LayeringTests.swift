import Foundation
import Testing

/// The layering rules of the architecture, checked from the sources so that they hold for everyone who clones
/// the repository: a domain imports Foundation and the kernel at most; an application layer adds only its own
/// domain; ports live in the domain; a context's Contracts hold only what it publishes; another context is reached
/// only through its Contracts, and only from Infrastructure; shared modules never import a service.
@Suite struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let layers = ["Domain", "Application", "Infrastructure", "Interface", "Server", "Contracts"]
    static let privateLayers = ["Domain", "Application", "Infrastructure", "Interface", "Server"]

    static var contexts: [String] {
        let services = root.appendingPathComponent("Services")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: services.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: services.appendingPathComponent("\($0)/Domain").path) }.sorted()
    }

    static func imports(under folder: String) throws -> [(file: String, module: String)] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var found: [(String, String)] = []
        for case let path as String in walker where path.hasSuffix(".swift") {
            let text = try String(contentsOf: base.appendingPathComponent(path), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") && !["public", "internal", "package", "private", "fileprivate"].contains($0) }
                if words.first == "import", words.count >= 2 {
                    let module = ["struct", "class", "enum", "protocol", "func", "typealias"].contains(words[1]) && words.count > 2 ? words[2] : words[1]
                    found.append(("\(folder)/\(path)", String(module.split(separator: ".")[0])))
                }
            }
        }
        return found
    }

    @Test func thereIsAtLeastOneContextToCheck() {
        #expect(Self.contexts.contains("User"))
    }

    @Test func domainsImportFoundationAndTheKernelAtMost() throws {
        for context in Self.contexts {
            for (file, module) in try Self.imports(under: "Services/\(context)/Domain") {
                #expect(["Foundation", "FoundationEssentials", "TradewindKernel"].contains(module), "\(file) imports \(module)")
            }
        }
    }

    @Test func applicationLayersUseNoFrameworks() throws {
        for context in Self.contexts {
            let allowed: Set = ["Foundation", "FoundationEssentials", "TradewindKernel", "Synchronization", "\(context)Domain"]
            for (file, module) in try Self.imports(under: "Services/\(context)/Application") {
                #expect(allowed.contains(module), "\(file) imports \(module)")
            }
        }
    }

    @Test func sharedModulesNeverImportAService() throws {
        let serviceModules = Set(Self.contexts.flatMap { context in Self.layers.map { "\(context)\($0)" } })
        for folder in ["Shared/Kernel", "Shared/Runtime", "Shared/Testing"] {
            for (file, module) in try Self.imports(under: folder) {
                #expect(!serviceModules.contains(module), "\(file) imports \(module)")
            }
        }
    }

    @Test func contextsReachEachOtherOnlyThroughPublishedContracts() throws {
        for context in Self.contexts {
            let foreign = Set(Self.contexts.filter { $0 != context }.flatMap { other in Self.privateLayers.map { "\(other)\($0)" } })
            for (file, module) in try Self.imports(under: "Services/\(context)") {
                #expect(!foreign.contains(module), "\(file) imports another context's \(module)")
            }
        }
    }

    /// The anti-corruption layer is Infrastructure: it alone translates another context's published language.
    @Test func onlyInfrastructureImportsAnotherContextsContracts() throws {
        for context in Self.contexts {
            let foreignContracts = Set(Self.contexts.filter { $0 != context }.map { "\($0)Contracts" })
            for layer in Self.layers where layer != "Infrastructure" {
                for (file, module) in try Self.imports(under: "Services/\(context)/\(layer)") {
                    #expect(!foreignContracts.contains(module), "\(file) imports \(module); only Infrastructure may")
                }
            }
        }
    }

    /// What a context publishes depends on nothing of its own: consumers compile against it alone.
    @Test func contractsImportOnlyTheKernelAndTheOpenAPIRuntime() throws {
        for context in Self.contexts {
            for (file, module) in try Self.imports(under: "Services/\(context)/Contracts") {
                #expect(["Foundation", "FoundationEssentials", "TradewindKernel", "OpenAPIRuntime"].contains(module), "\(file) imports \(module)")
            }
        }
    }

    /// Each context with an HTTP API publishes it from its Contracts, beside one integration event type per file.
    @Test func everyPublishedAPIHasAContractsTarget() throws {
        for context in Self.contexts {
            let folder = Self.root.appendingPathComponent("Services/\(context)")
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("Interface/openapi.yaml").path) else { continue }
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Contracts/openapi.yaml").path),
                    "\(context) serves an API without publishing it in Contracts/openapi.yaml")
        }
    }

    /// Repository and service ports are declared in the domain (`Domain/Ports.swift`), never in the application layer.
    @Test func portsLiveInTheDomain() throws {
        for context in Self.contexts {
            let base = Self.root.appendingPathComponent("Services/\(context)/Application")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("public protocol ") {
                    Issue.record("Services/\(context)/Application/\(file) declares a port (\(line.trimmingCharacters(in: .whitespaces))); ports live in Domain/Ports.swift")
                }
            }
        }
    }
}
