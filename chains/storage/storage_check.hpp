// The storage check behind `bfd-node --check-storage`: reads a whole store and reports whether
// it is sound — checksums, every chain contiguous and linked from genesis to its head, the state
// reproducing the head's roots, agreement with the commit marker — plus the delegates' signing
// records (docs/storage.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chains/storage/commit_marker.hpp"
#include "chains/storage/kv_store.hpp"

namespace bfd {

/// What the check found.
struct storage_report {
  std::vector<std::string> notes;     ///< what was checked and what it holds, one line each
  std::vector<std::string> problems;  ///< what is wrong, one line each; none: the store is sound
  bool sound() const noexcept { return problems.empty(); }
};

/// Checks only that the delegates' signing records agree with their chains: no vote names a source
/// above the stored final head and justification record of the record's chain (a node checks this at start;
/// cheap: no checksums, no state). Problems name the delegate and say what to do.
storage_report check_signing_records(kv_store& store);

/// Checks every space of `store`. `marker` (read from `marker_path`) is compared if given.
storage_report check_storage(kv_store& store, const std::optional<commit_marker>& marker,
                             const std::string& marker_path, const std::string& where);

} // namespace bfd
