import Foundation
import Testing

/// The layering rules of the architecture, checked from the sources so that they hold for everyone who clones
/// the repository: a domain imports Foundation and the kernel at most; an application layer adds only its own
/// domain; shared modules never import a service; no context imports another context's layers.
@Suite struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let layers = ["Domain", "Application", "Infrastructure", "Interface", "Server"]

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
            let foreign = Set(Self.contexts.filter { $0 != context }.flatMap { other in Self.layers.map { "\(other)\($0)" } })
            for (file, module) in try Self.imports(under: "Services/\(context)") {
                #expect(!foreign.contains(module), "\(file) imports another context's \(module)")
            }
        }
    }
}
