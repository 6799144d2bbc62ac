// An in-memory kv_store: for tests and simulations, with the same semantics as RocksDB.
#pragma once

#include <map>
#include <mutex>

#include "chains/storage/kv_store.hpp"

namespace bfd {

/// Thread-safe in-memory store; a batch is applied under one lock, so it is atomic.
class memory_store final : public kv_store {
public:
  status ensure_space(std::string_view space) override;
  result<std::optional<bytes>> get(std::string_view space, byte_view key) override;
  status write(const write_batch& batch) override;
  status scan_prefix(std::string_view space, byte_view prefix,
                     const std::function<bool(byte_view, byte_view)>& visit) override;
  std::vector<std::string> spaces() override;

private:
  std::mutex mtx_;
  std::map<std::string, std::map<bytes, bytes>, std::less<>> spaces_;
};

} // namespace bfd
