import ArgumentParser
import OrderServer
import CargoServer
import CartServer
import GatewayServer
import ProductServer
import RegistryServer
import StorefrontServer
import UserServer
// tradewind new context: imports

/// Runs one service in this process. `tradewind up` starts each service this way, as a child process.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one service in the foreground (configured by environment variables).")

    @Argument(help: "The service to run: \(StackService.all.map(\.name).joined(separator: ", ")).")
    var service: String

    func validate() throws {
        guard StackService.named(service) != nil else {
            throw ValidationError("unknown service '\(service)'; known: \(StackService.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() async throws {
        switch service {
        case "registry": await RegistryService.main()
        case "user": await UserService.main()
        case "product": await ProductService.main()
        case "cart": await CartService.main()
        case "cargo": await CargoService.main()
        case "order": await OrderService.main()
        case "storefront": await StorefrontService.main()
        case "gateway": await GatewayService.main()
        // tradewind new context: services
        default: throw ValidationError("unknown service '\(service)'")
        }
    }
}
