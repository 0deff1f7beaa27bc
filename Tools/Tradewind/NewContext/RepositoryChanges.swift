import Foundation

/// Files to create and files to rewrite in a checkout, applied together: when one write fails, every file written
/// before it is restored (or removed), so a failed generation leaves the tree as it was.
struct RepositoryChanges {
    /// Relative path → content of a file that must not exist yet.
    var created: [String: String] = [:]
    /// Relative path → destination of a relative symbolic link that must not exist yet.
    var links: [String: String] = [:]
    /// Relative path → the new content of an existing file.
    var rewritten: [String: String] = [:]

    var paths: [String] { (created.keys.sorted() + links.keys.sorted() + rewritten.keys.sorted()) }

    func apply(in repository: URL) throws(ContextGenerationError) {
        let files = FileManager.default
        for path in created.keys.sorted() + links.keys.sorted() where files.fileExists(atPath: repository.appendingPathComponent(path).path) {
            throw .alreadyExists(path, "\(path) is in the way")
        }
        var originals: [String: Data] = [:]
        for path in rewritten.keys {
            guard let data = files.contents(atPath: repository.appendingPathComponent(path).path) else { throw .unreadableFile(path, "it is missing") }
            originals[path] = data
        }
        var madeFiles: [URL] = []
        var madeFolders: [URL] = []
        var restored: [String] = []
        func undo() {
            for path in restored { try? originals[path]!.write(to: repository.appendingPathComponent(path)) }
            for file in madeFiles.reversed() { try? files.removeItem(at: file) }
            for folder in madeFolders.reversed() { try? files.removeItem(at: folder) }
        }
        func makeFolder(for file: URL) throws {
            var missing: [URL] = []
            var folder = file.deletingLastPathComponent()
            while !files.fileExists(atPath: folder.path) {
                missing.append(folder)
                folder = folder.deletingLastPathComponent()
            }
            for folder in missing.reversed() {
                try files.createDirectory(at: folder, withIntermediateDirectories: false)
                madeFolders.append(folder)
            }
        }
        var current = ""
        do {
            // Existing files first, so that a failure while creating the new ones also exercises their restoring.
            for (path, content) in rewritten.sorted(by: { $0.key < $1.key }) {
                current = path
                restored.append(path)
                try Data(content.utf8).write(to: repository.appendingPathComponent(path), options: .atomic)
            }
            for (path, content) in created.sorted(by: { $0.key < $1.key }) {
                current = path
                let file = repository.appendingPathComponent(path)
                try makeFolder(for: file)
                try Data(content.utf8).write(to: file, options: .withoutOverwriting)
                madeFiles.append(file)
            }
            for (path, destination) in links.sorted(by: { $0.key < $1.key }) {
                current = path
                let file = repository.appendingPathComponent(path)
                try makeFolder(for: file)
                try files.createSymbolicLink(atPath: file.path, withDestinationPath: destination)
                madeFiles.append(file)
            }
        } catch {
            undo()
            throw .writeFailed(current, "\(error)")
        }
    }
}
