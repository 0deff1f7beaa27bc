// swift-tools-version: 6.1
import PackageDescription

// Every target gets Swift 6 language mode, strict concurrency and the same upcoming features.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

extension Target.Dependency {
    static let hummingbird: Self = .product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdTesting: Self = .product(name: "HummingbirdTesting", package: "hummingbird")
    static let bcrypt: Self = .product(name: "HummingbirdBcrypt", package: "hummingbird-auth")
    static let hummingbirdAuth: Self = .product(name: "HummingbirdAuth", package: "hummingbird-auth")
    static let jwtKit: Self = .product(name: "JWTKit", package: "jwt-kit")
    static let sqlKit: Self = .product(name: "SQLKit", package: "sql-kit")
    static let sqliteKit: Self = .product(name: "SQLiteKit", package: "sqlite-kit")
    static let postgresKit: Self = .product(name: "PostgresKit", package: "postgres-kit")
    static let asyncHTTPClient: Self = .product(name: "AsyncHTTPClient", package: "async-http-client")
    static let configuration: Self = .product(name: "Configuration", package: "swift-configuration")
    static let logging: Self = .product(name: "Logging", package: "swift-log")
    static let inMemoryLogging: Self = .product(name: "InMemoryLogging", package: "swift-log")
    static let metrics: Self = .product(name: "Metrics", package: "swift-metrics")
    static let prometheus: Self = .product(name: "Prometheus", package: "swift-prometheus")
    static let serviceLifecycle: Self = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let openAPIRuntime: Self = .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
    static let crypto: Self = .product(name: "Crypto", package: "swift-crypto")
    static let histogram: Self = .product(name: "Histogram", package: "hdrhistogram-swift")
    static let multipartKit: Self = .product(name: "MultipartKit", package: "multipart-kit")
    static let unixSignals: Self = .product(name: "UnixSignals", package: "swift-service-lifecycle")
    static let argumentParser: Self = .product(name: "ArgumentParser", package: "swift-argument-parser")
    static let heap: Self = .product(name: "HeapModule", package: "swift-collections")
    static let nioCore: Self = .product(name: "NIOCore", package: "swift-nio")
    static let nioPosix: Self = .product(name: "NIOPosix", package: "swift-nio")
    static let nioHTTP1: Self = .product(name: "NIOHTTP1", package: "swift-nio")
    static let nioHTTPTypes: Self = .product(name: "NIOHTTPTypes", package: "swift-nio-extras")
    static let nioHTTPTypesHTTP1: Self = .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras")
    static let hummingbirdHTTP2: Self = .product(name: "HummingbirdHTTP2", package: "hummingbird")
    static let kernel: Self = "TradewindKernel"
    static let runtime: Self = "TradewindRuntime"
    static let tracing: Self = .product(name: "Tracing", package: "swift-distributed-tracing")
    static let inMemoryTracing: Self = .product(name: "InMemoryTracing", package: "swift-distributed-tracing")
    static let otel: Self = .product(name: "OTel", package: "swift-otel")
    static let testing: Self = "TradewindTesting"
    static let mustache: Self = .product(name: "Mustache", package: "swift-mustache")
    static let yams: Self = .product(name: "Yams", package: "Yams")
}

/// Declares one bounded context: Domain, Application, Infrastructure, Interface, the Server composition root,
/// a thin `<name>-service` executable, and one test target per layer.
/// `folder` is the context's directory under `Services/`; target names start with it (`UserDomain`, …).
/// `infrastructure: nil` leaves out the Infrastructure layer (a context with nothing to persist);
/// `openAPI: true` gives the context a Contracts target, what it publishes: its `openapi.yaml` with the types and
/// the client generated from it, and its integration events. The Interface generates only the server from the same
/// document and uses the Contracts' types. `consumes` names other contexts whose Contracts the Infrastructure may
/// import (the only layer of another context anything may import).
func boundedContext(
    _ folder: String,
    executable: String,
    infrastructure: [Target.Dependency]? = [],
    interface: [Target.Dependency] = [],
    openAPI: Bool = true,
    consumes: [String] = [],
    layerGuides: Bool = false,
    interfaceResources: [Resource] = []
) -> [Target] {
    let root = "Services/\(folder)"
    let domain = "\(folder)Domain", application = "\(folder)Application"
    let infrastructureName = "\(folder)Infrastructure", interfaceName = "\(folder)Interface"
    let server = "\(folder)Server", contracts = "\(folder)Contracts"
    let contractsTargets: [Target.Dependency] = openAPI ? [.byName(name: contracts)] : []
    let consumedContracts: [Target.Dependency] = consumes.map { .byName(name: "\($0)Contracts") }
    // A context whose layer folders each carry a README.md saying what belongs there.
    let guides = layerGuides ? ["README.md"] : []
    let infrastructureTargets: [Target.Dependency] = infrastructure == nil ? [] : [.byName(name: infrastructureName)]
    var targets: [Target] = [
        .target(name: domain, dependencies: [.kernel], path: "\(root)/Domain", exclude: guides),
        .target(name: application, dependencies: [.kernel, .byName(name: domain)], path: "\(root)/Application", exclude: guides),
        .target(
            name: interfaceName,
            dependencies: [.kernel, .runtime, .byName(name: domain), .byName(name: application), .hummingbird]
                + (openAPI ? [.openAPIRuntime] : []) + contractsTargets + interface,
            path: "\(root)/Interface",
            exclude: guides,
            resources: interfaceResources,
            plugins: openAPI ? [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")] : []
        ),
        .target(
            name: server,
            dependencies: [
                .kernel, .runtime, .byName(name: domain), .byName(name: application), .byName(name: interfaceName),
                .hummingbird, .serviceLifecycle,
            ] + infrastructureTargets + contractsTargets,
            path: "\(root)/Server",
            exclude: guides
        ),
        .executableTarget(name: executable, dependencies: [.byName(name: server)], path: "\(root)/Main"),
        .testTarget(name: "\(domain)Tests", dependencies: [.kernel, .byName(name: domain)], path: "Tests/\(folder)/DomainTests"),
        .testTarget(
            name: "\(application)Tests",
            dependencies: [.kernel, .testing, .byName(name: domain), .byName(name: application)] + infrastructureTargets,
            path: "Tests/\(folder)/ApplicationTests"
        ),
        .testTarget(
            name: "\(interfaceName)Tests",
            dependencies: [.kernel, .runtime, .testing, .byName(name: server), .hummingbird, .hummingbirdTesting] + contractsTargets,
            path: "Tests/\(folder)/InterfaceTests"
        ),
    ]
    if openAPI {
        targets.append(.target(
            name: contracts,
            dependencies: [.kernel, .openAPIRuntime],
            path: "\(root)/Contracts",
            exclude: guides,
            resources: [.copy("openapi.yaml")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ))
    }
    if let infrastructure {
        targets += [
            .target(
                name: infrastructureName,
                dependencies: [.kernel, .runtime, .byName(name: domain), .byName(name: application), .sqlKit] + contractsTargets
                    + consumedContracts + infrastructure,
                path: "\(root)/Infrastructure",
                exclude: guides
            ),
            .testTarget(
                name: "\(infrastructureName)Tests",
                dependencies: [.kernel, .runtime, .testing, .byName(name: domain), .byName(name: application), .byName(name: infrastructureName)]
                    + contractsTargets + consumedContracts,
                path: "Tests/\(folder)/InfrastructureTests"
            ),
        ]
    }
    return targets
}

var targets: [Target] = [
    .target(name: "TradewindKernel", path: "Shared/Kernel"),
    // The Swift runtime's global-executor hook, reachable in statically linked binaries too (EventLoopTasks.swift).
    .target(name: "TradewindConcurrencyHook", path: "Shared/ConcurrencyHook"),
    .target(
        name: "TradewindRuntime",
        dependencies: [
            .kernel, .hummingbird, .logging, .metrics, .prometheus, .serviceLifecycle, .configuration,
            .sqlKit, .sqliteKit, .postgresKit, .jwtKit, .crypto, .asyncHTTPClient, .openAPIRuntime, .tracing, .otel, .unixSignals,
            "TradewindConcurrencyHook", .nioCore, .nioPosix,
        ],
        path: "Shared/Runtime"
    ),
    .target(
        name: "TradewindTesting",
        dependencies: [.kernel, .runtime, .hummingbird, .hummingbirdTesting, .sqlKit, .postgresKit, .logging],
        path: "Shared/Testing"
    ),
    .executableTarget(
        name: "tradewind",
        dependencies: [
            .argumentParser, .runtime, .logging, .asyncHTTPClient, .serviceLifecycle, .unixSignals, .mustache, .yams, .histogram,
            "CargoInfrastructure", "CargoDomain",
            // The servers `tradewind serve` runs.
            "UserServer", "RegistryServer", "GatewayServer", "ProductServer", "CartServer", "CargoServer", "OrderServer", "StorefrontServer",
            // tradewind new context: servers
        ],
        path: "Tools/Tradewind"
    ),
    .testTarget(name: "KernelTests", dependencies: [.kernel], path: "Tests/Shared/KernelTests"),
    .testTarget(
        name: "RuntimeTests",
        dependencies: [.kernel, .runtime, .testing, .hummingbird, .hummingbirdTesting, .jwtKit, .sqlKit, .configuration, .asyncHTTPClient,
                       .tracing, .inMemoryTracing, .inMemoryLogging, .openAPIRuntime],
        path: "Tests/Shared/RuntimeTests"
    ),
    .testTarget(name: "ArchitectureTests", path: "Tests/ArchitectureTests"),
    .testTarget(name: "EndToEndTests", dependencies: [.asyncHTTPClient, .hummingbird], path: "Tests/EndToEndTests"),
    .testTarget(name: "DeploymentTests", dependencies: ["tradewind", .yams], path: "Tests/DeploymentTests"),
    .testTarget(name: "NewContextTests", dependencies: ["tradewind", .yams, .argumentParser], path: "Tests/Tools/NewContextTests"),
    // The order service's clients of other contexts against real, in-process instances of those contexts.
    .testTarget(
        name: "OrderClientTests",
        dependencies: [
            "OrderInfrastructure", "OrderApplication", "OrderDomain", "ProductServer", "CartServer", "CargoServer",
            .kernel, .runtime, .testing, .hummingbird, .hummingbirdTesting, .jwtKit, .asyncHTTPClient,
        ],
        path: "Tests/Order/ClientTests"
    ),
]
targets += boundedContext(
    "User",
    executable: "user-service",
    infrastructure: [.bcrypt, .jwtKit, .crypto, .logging],
    interface: [.logging]
)
targets += boundedContext("Registry", executable: "registry", infrastructure: [.asyncHTTPClient], interface: [.serviceLifecycle], openAPI: false)
targets += boundedContext("Product", executable: "product-service", interface: [.logging])
targets += boundedContext("Cart", executable: "cart-service", infrastructure: [.crypto, .asyncHTTPClient, .openAPIRuntime, .metrics], interface: [.logging],
                          consumes: ["Product", "Order"])
targets += boundedContext("Cargo", executable: "cargo-service", infrastructure: [.heap], interface: [.logging])
targets += boundedContext("Order", executable: "order-service", infrastructure: [.openAPIRuntime], interface: [.logging],
                          consumes: ["Product", "Cargo", "Cart"], layerGuides: true)
// The web shop's backend for frontend: pages rendered on the server from the other contexts' published clients.
targets += boundedContext("Storefront", executable: "storefront", infrastructure: [.openAPIRuntime, .hummingbird, .sqlKit, .crypto],
                          interface: [.logging, .mustache, .hummingbirdAuth, .crypto, .multipartKit], openAPI: false, consumes: ["Product", "User", "Cart", "Order", "Cargo"],
                          interfaceResources: [.copy("Templates"), .copy("Public")])
targets += boundedContext(
    "Gateway", executable: "gateway",
    interface: [.logging, .metrics, .tracing, .serviceLifecycle, .nioCore, .nioPosix, .nioHTTP1, .nioHTTPTypes, .nioHTTPTypesHTTP1, .hummingbirdHTTP2],
    openAPI: false
)
// tradewind new context: contexts

for index in targets.indices where targets[index].name != "TradewindConcurrencyHook" {
    targets[index].swiftSettings = (targets[index].swiftSettings ?? []) + swiftSettings
}

let package = Package(
    name: "Tradewind",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tradewind", targets: ["tradewind"]),
        .executable(name: "user-service", targets: ["user-service"]),
        .executable(name: "registry", targets: ["registry"]),
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "product-service", targets: ["product-service"]),
        .executable(name: "cart-service", targets: ["cart-service"]),
        .executable(name: "cargo-service", targets: ["cargo-service"]),
        .executable(name: "order-service", targets: ["order-service"]),
        .executable(name: "storefront", targets: ["storefront"]),
        // tradewind new context: executables
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Only the OTLP/HTTP exporter: the gRPC one would pull gRPC and add minutes to every cold build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Reloading: the file provider that follows a mounted Kubernetes ConfigMap (CONFIGURATION.md).
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["JSON", "Reloading"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
    ],
    targets: targets
)
