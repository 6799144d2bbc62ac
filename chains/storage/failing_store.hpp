// A kv_store that fails writes on demand, in front of a real one: fault injection for the tests
// (and bfd-node's test-only --fail-commit-after) of what a node does when a commit fails.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "chains/storage/kv_store.hpp"

namespace bfd {

/// Forwards everything to the wrapped store, except that once armed, the `n`th write touching a
/// space whose name starts with the given prefix fails (errc::storage_io, nothing written), and
/// so does every write after it that touches such a space, as on a dead disk.
class failing_store final : public kv_store {
public:
  explicit failing_store(std::shared_ptr<kv_store> inner) : inner_(std::move(inner)) {}

  /// Arms the store: the `n`th (1 = the next) matching write from now on fails.
  void fail_write(std::uint64_t n, std::string space_prefix = "") {
    std::lock_guard guard{mtx_};
    prefix_ = std::move(space_prefix);
    countdown_ = n;
  }

  /// Writes refused so far.
  std::uint64_t failures() const noexcept { return failures_; }

  status ensure_space(std::string_view space) override { return inner_->ensure_space(space); }
  result<std::optional<bytes>> get(std::string_view space, byte_view key) override { return inner_->get(space, key); }
  status write(const write_batch& batch) override {
    if (auto st = count(batch); !st)
      return st;
    return inner_->write(batch);
  }
  status write_ordered(const write_batch& batch) override {
    if (auto st = count(batch); !st)
      return st;
    return inner_->write_ordered(batch);
  }
  status count(const write_batch& batch) {
    if (countdown_ > 0 && matches(batch)) {
      if (countdown_ == 1 || countdown_.fetch_sub(1) == 1) {
        countdown_ = 1;  // stays failed
        ++failures_;
        return make_error(errc::storage_io, "injected write failure (failing_store)");
      }
    }
    return {};
  }
  status scan_prefix(std::string_view space, byte_view prefix,
                     const std::function<bool(byte_view, byte_view)>& visit) override {
    return inner_->scan_prefix(space, prefix, visit);
  }
  status scan_from(std::string_view space, byte_view prefix, byte_view start,
                   const std::function<bool(byte_view, byte_view)>& visit) override {
    return inner_->scan_from(space, prefix, start, visit);
  }
  std::vector<std::string> spaces() override { return inner_->spaces(); }
  std::optional<std::uint64_t> write_sequence() override { return inner_->write_sequence(); }
  status verify_checksums() override { return inner_->verify_checksums(); }
  status close() override { return inner_->close(); }

private:
  bool matches(const write_batch& batch) {
    std::lock_guard guard{mtx_};
    for (const auto& op : batch.ops())
      if (op.space.rfind(prefix_, 0) == 0)
        return true;
    return false;
  }

  std::shared_ptr<kv_store> inner_;
  std::mutex mtx_;
  std::string prefix_;
  std::atomic<std::uint64_t> countdown_{0};  ///< 0: disarmed; 1: the next matching write fails
  std::atomic<std::uint64_t> failures_{0};
};

} // namespace bfd
