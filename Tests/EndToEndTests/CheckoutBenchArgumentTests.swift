import Foundation
import Testing

/// `tradewind bench checkout` refuses arguments that would make no run (or divide by zero) before it touches the stack.
struct CheckoutBenchArgumentTests {
    @Test(arguments: [
        (["--rate", "0"], "--rate must be a positive number"),
        (["--rate=-5"], "--rate must be a positive number"),
        (["--rate", "1e300"], "--rate must be a positive number"),
        (["--rate", "nan"], "--rate must be a positive number"),
        (["--rate", "10", "--follow-every", "0"], "--follow-every must be 1 or more"),
        (["--rate", "10", "--follow-reads-per-second", "0"], "--follow-reads-per-second must be a positive number"),
        (["--duration", "0"], "--duration must be a positive number"),
        (["--duration", "inf"], "--duration must be a positive number"),
        (["--customers", "0"], "--customers and --orders must be 1 or more"),
        (["--rate", "10", "--products", "0"], "--products must be 1 to 10000"),
        (["--rate", "10", "--products", "10001"], "--products must be 1 to 10000"),
    ])
    func badArgumentsAreNamedAndNothingRuns(_ arguments: [String], _ message: String) throws {
        let binary = try LocalStackTests.builtTradewind()
        let command = Process()
        command.executableURL = binary
        command.arguments = ["bench", "checkout", "--gateway", "http://127.0.0.1:1"] + arguments
        command.environment = ["ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "unused"]
        let errors = Pipe()
        command.standardError = errors
        command.standardOutput = FileHandle.nullDevice
        try command.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        command.waitUntilExit()
        #expect(command.terminationStatus == 64, "\(output)")
        #expect(output.contains(message), "\(output)")
    }
}
