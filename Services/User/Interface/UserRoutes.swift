import Foundation
import Hummingbird
import NIOCore
import TradewindRuntime

public enum UserRoutes {
    /// Who may call what. Everything not listed needs a valid token (the runtime's default).
    public static let accessPolicy = AccessPolicy([
        "POST /users": .open,
        "POST /oauth/token": .open,
        "POST /oauth/revoke": .open,
        "GET /.well-known/jwks.json": .open,
        "GET /users": .anyRole(["admin"]),
        "PUT /users/{id}/roles": .anyRole(["admin"]),
        "POST /users/{id}/lock": .anyRole(["admin"]),
        "POST /users/{id}/unlock": .anyRole(["admin"]),
    ])

    public static func register(_ api: UserAPI, on router: Router<ServiceRequestContext>) throws {
        try api.registerHandlers(on: OpenAPIRoutes(router), configuration: .tradewind)
    }
}
