import ArgumentParser

@main
struct TradewindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewind",
        abstract: "Run and operate the Tradewind stack locally, without containers.",
        subcommands: [Up.self, Status.self, Serve.self, UserCommands.self, Bench.self, RegistryToken.self, ConfigCommand.self, NewCommand.self],
        defaultSubcommand: Up.self
    )
}
