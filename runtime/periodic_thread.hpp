// A pass run every interval on a thread of its own until stop(): what the sidechain watcher and
// the peg bridge run on. Sleeps in small steps so stop() returns within about 50 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace bfd::runtime {

class periodic_thread {
public:
  periodic_thread() = default;
  periodic_thread(const periodic_thread&) = delete;
  periodic_thread& operator=(const periodic_thread&) = delete;
  ~periodic_thread() { stop(); }

  /// Starts `pass` every `interval`; nothing if already running.
  void start(std::chrono::milliseconds interval, std::function<void()> pass) {
    if (running_.exchange(true))
      return;
    thread_ = std::thread([this, interval, pass = std::move(pass)] {
      while (running_.load()) {
        pass();
        for (auto waited = std::chrono::milliseconds(0); waited < interval && running_.load();
             waited += std::chrono::milliseconds(50))
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }

  /// Stops after the pass under way; returns once the thread has ended.
  void stop() {
    running_.store(false);
    if (thread_.joinable())
      thread_.join();
  }

private:
  std::atomic<bool> running_{false};
  std::thread thread_;
};

} // namespace bfd::runtime
