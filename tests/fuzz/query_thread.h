#pragma once

// Runs a fuzz input on a thread with the stack a query gets in the log
// store, so that unbounded recursion overflows here exactly as it would
// there (a SEGV on the guard page), not later on a bigger main stack.
//
// Queries run on the API's boost::asio::thread_pool (logstore/server/api.cc)
// and the engine's (logstore/engine/engine.cc); both start threads with the
// default attributes, whose stack is RLIMIT_STACK: 8 MiB with the usual
// `ulimit -s 8192` (measured with pthread_getattr_np on such a pool thread).
// The size is fixed here, so the fuzzer does not depend on its own ulimit.

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <functional>

namespace logstack::fuzz {

inline constexpr size_t kQueryThreadStack = 8u << 20;

// Runs fn() on a fresh thread with kQueryThreadStack of stack and waits.
inline void RunOnQueryThread(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (pthread_attr_setstacksize(&attr, kQueryThreadStack) != 0) std::abort();
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, body, const_cast<std::function<void()>*>(&fn)) != 0) {
    std::perror("pthread_create");
    std::abort();
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace logstack::fuzz
