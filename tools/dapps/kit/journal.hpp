// A DApp's journal of in-flight requests: a small JSON file rewritten atomically (write a
// temporary file, fsync it, rename it over the journal, fsync the directory) before every
// transaction is sent, so a DApp killed at any point finds where each request stood.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chains/core/error.hpp"

namespace bfd::dapps {

/// One request's progress. Stages, in order: resolved, call_sent, called, usage_sent, recorded,
/// ack_sent (then the entry is dropped); cancel_sent when the usage cannot be recorded.
struct journal_entry {
  std::string request_id;  ///< the request id as text
  std::uint64_t service = 0;
  std::string contract;    ///< the service's instance on its chain (bfd…)
  std::uint64_t fund = 0;
  std::uint64_t value = 0;
  std::string payload_hex;
  std::string requester;   ///< the requester's key file
  std::string stage = "resolved";
  std::string tx_id;       ///< the transaction of the current *_sent stage
  std::string tx_hex;      ///< its signed bytes: resent as they are while the node lacks them
  std::string cancel_reason;
};

/// The journal file of `program` under `dir`.
class journal {
public:
  /// Reads `dir/program.journal.json` (none: empty). Refuses a file over 1 MiB or malformed.
  static result<journal> open(const std::string& dir, const std::string& program);

  std::vector<journal_entry>& entries() noexcept { return entries_; }
  journal_entry* find(const std::string& request_id);
  /// Drops the entry of `request_id`.
  void drop(const std::string& request_id);
  /// Writes the whole journal durably (temporary file, fsync, rename, fsync of the directory).
  status save() const;

private:
  std::string path_;
  std::vector<journal_entry> entries_;
};

} // namespace bfd::dapps
