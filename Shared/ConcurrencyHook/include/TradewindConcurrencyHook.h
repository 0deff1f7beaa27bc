#ifndef TRADEWIND_CONCURRENCY_HOOK_H
#define TRADEWIND_CONCURRENCY_HOOK_H

#include <stdbool.h>

/// Sets the Swift runtime's `swift_task_enqueueGlobal_hook`, through which every job for the global concurrent
/// executor passes, to `hook` (a Swift `@convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void`),
/// unless a hook is set already. Returns whether it was set.
///
/// The hook is referenced here rather than looked up by name at run time: a binary linked with
/// `--static-swift-stdlib` carries the runtime's symbols as local ones (the toolchain links its archives with
/// `--exclude-libs ALL`), so `dlsym` cannot find it there, while the linker resolves this reference in either build.
bool tradewind_install_enqueue_global_hook(const void *_Nonnull hook);

#endif
