// gmmcore/pool.h
//
// Contract: the threads among which for_each_item() (blocks.h) shares out
// a list of items: the candidates of a model search, the ks' starts, the
// groups of missing-value patterns. Unlike an OpenMP team, the calling
// thread never waits for a worker to start: it takes items itself from the
// first one, a worker takes the next free item whenever it comes, and at
// the end the calling thread waits only for the items a worker has begun.
// Waking a sleeping thread can take milliseconds (on a virtual machine
// whose other core is idle, an OpenMP team started after a pause of 20 ms
// took about 8 ms to form), and a thread whose core is busy elsewhere may
// not run for a time slice; a small search takes about a millisecond, so it
// must not wait for either. The workers are started on first use, sleep
// between lists, and are stopped when the library is unloaded. In a forked
// process (parallel::mclapply()) the workers are the parent's, so the
// calling thread takes every item. Which thread takes an item must not
// change its result, and nothing may leave f by an exception.
#ifndef GMMCORE_POOL_H
#define GMMCORE_POOL_H

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gmmcore {
namespace detail {

// How long a worker watches for the next list before it sleeps (waking a
// sleeping thread takes tens of microseconds at best).
constexpr int kWatchMicros = 2000;

// The calling thread's number among the pool's: 0 for a thread of its own
// (R's), 1, 2, ... for the workers.
inline int& pool_thread_id() {
  static thread_local int id = 0;
  return id;
}

class ItemPool {
 public:
  static ItemPool& instance() {
    static ItemPool pool;
    return pool;
  }

  // f(0), ..., f(n - 1), on the calling thread and up to `helpers` workers.
  void run(long n, int helpers, const std::function<void(long)>& f) {
    if (helpers > 0 && (getpid() != pid_ || pool_thread_id() != 0 || busy_)) helpers = 0;
    if (helpers > 0) helpers = start(helpers);
    if (helpers == 0) {
      for (long i = 0; i < n; ++i) f(i);
      return;
    }
    busy_ = true;
    {
      std::lock_guard<std::mutex> lk(m_);
      f_ = &f;
      n_ = n;
      next_ = 0;
      wanted_ = helpers;
      open_ = true;
      ++epoch_;
    }
    wake_.notify_all();
    for (;;) {
      long i;
      {
        std::lock_guard<std::mutex> lk(m_);
        if (next_ >= n_) {
          open_ = false;
          break;
        }
        i = next_++;
      }
      f(i);
    }
    // Only the items a worker has begun are waited for, without sleeping:
    // each is short.
    while (in_flight_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
    busy_ = false;
  }

  ~ItemPool() {
    if (getpid() != pid_) {
      // A forked process has none of these threads, and its copy of the
      // mutex may be locked: the handles are left as they are (a joinable
      // std::thread destroyed would end the process).
      new std::vector<std::thread>(std::move(threads_));
      return;
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
      stop_flag_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  ItemPool() : pid_(getpid()) {}

  // Starts workers up to `helpers`; returns how many there are (fewer when
  // the system refuses threads).
  int start(int helpers) {
    while (static_cast<int>(threads_.size()) < helpers) {
      const int id = static_cast<int>(threads_.size()) + 1;
      try {
        threads_.emplace_back([this, id] { work(id); });
      } catch (...) {
        break;
      }
    }
    return std::min(helpers, static_cast<int>(threads_.size()));
  }

  void work(int id) {
    pool_thread_id() = id;
    std::unique_lock<std::mutex> lk(m_);
    unsigned long seen = 0;
    for (;;) {
      wake_.wait(lk, [&] { return stop_ || (epoch_ != seen && open_ && id <= wanted_); });
      if (stop_) return;
      seen = epoch_;
      while (open_ && next_ < n_) {
        const long i = next_++;
        const std::function<void(long)>* f = f_;
        in_flight_.fetch_add(1, std::memory_order_relaxed);
        lk.unlock();
        (*f)(i);
        lk.lock();
        in_flight_.fetch_sub(1, std::memory_order_release);
      }
      // A list often follows shortly (a search makes two; a loop of
      // searches one after another): the worker watches for it a while
      // before it sleeps, yielding its core to anything else that is ready.
      lk.unlock();
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kWatchMicros);
      while (epoch_.load(std::memory_order_acquire) == seen && !stop_flag_.load() &&
             std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      lk.lock();
    }
  }

  const pid_t pid_;
  std::mutex m_;
  std::condition_variable wake_;
  std::vector<std::thread> threads_;
  // The current list (under m_): its items, the next one free, whether
  // items may still be taken, how many workers may take them.
  const std::function<void(long)>* f_ = nullptr;
  long n_ = 0;
  long next_ = 0;
  bool open_ = false;
  int wanted_ = 0;
  std::atomic<unsigned long> epoch_{0};  // (also read without m_ while watching)
  bool stop_ = false;
  std::atomic<bool> stop_flag_{false};
  std::atomic<int> in_flight_{0};
  bool busy_ = false;  // a list is running (a nested one runs on its caller)
};

}  // namespace detail
}  // namespace gmmcore

#endif
