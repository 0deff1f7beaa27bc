#include "TradewindConcurrencyHook.h"

#include <stddef.h>

// Declared by the Swift runtime (stdlib/public/Concurrency/GlobalExecutor.cpp) as a function pointer; only its
// storage is needed here.
extern const void *swift_task_enqueueGlobal_hook;

bool tradewind_install_enqueue_global_hook(const void *hook) {
    const void *expected = NULL;
    return __atomic_compare_exchange_n(&swift_task_enqueueGlobal_hook, &expected, hook, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}
