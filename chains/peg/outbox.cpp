#include "chains/peg/outbox.hpp"

namespace bfd::peg {

hash256 entry_hash(const outbox_entry& e) {
  if (const auto* m = std::get_if<peg_message>(&e))
    return message_hash(*m);
  return ack_hash(std::get<peg_ack>(e));
}

std::uint64_t outbox::add(outbox_entry e) {
  entries_.push_back(std::move(e));
  return entries_.size() - 1;
}

namespace {
std::vector<hash256> hashes(const std::vector<outbox_entry>& entries) {
  std::vector<hash256> out;
  out.reserve(entries.size());
  for (const auto& e : entries)
    out.push_back(entry_hash(e));
  return out;
}
} // namespace

hash256 outbox::root() const {
  return merkle_root(hashes(entries_));
}

std::optional<merkle_proof> outbox::prove(std::uint64_t index) const {
  return make_merkle_proof(hashes(entries_), index);
}

std::vector<merkle_proof> outbox::prove_all() const {
  return make_merkle_proofs(hashes(entries_));
}

hash256 empty_outbox_root() {
  return merkle_root({});
}

status verify_outbox_inclusion(const hash256& root, const outbox_entry& e, const merkle_proof& proof) {
  if (root.is_zero())
    return make_error(errc::bad_proof, "outbox root is zero: it proves nothing");
  if (root == empty_outbox_root())
    return make_error(errc::bad_proof, "outbox root is the empty outbox's: it holds no entry");
  if (!verify_merkle_proof(root, entry_hash(e), proof))
    return make_error(errc::bad_proof, "the entry is not at index " + std::to_string(proof.index)
                                         + " of an outbox with this root");
  return {};
}

} // namespace bfd::peg
