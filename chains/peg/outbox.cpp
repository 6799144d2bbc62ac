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

namespace bfd::codec {

namespace {
constexpr std::uint64_t outbox_record_version = 1;

void write_outbox(const std::vector<peg::outbox_entry>& entries, bytes& out) {
  writer w(out);
  w.array(2);
  w.uint(outbox_record_version);
  w.array(static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) {
    w.array(2);
    w.uint(e.index());
    if (const auto* m = std::get_if<peg::peg_message>(&e))
      write(*m, w);
    else
      write(std::get<peg::peg_ack>(e), w);
  }
}

result<std::vector<peg::outbox_entry>> read_outbox(const msgpack::object& obj) {
  auto f = reader(obj, "kept outbox").array(2);
  if (!f)
    return f.error();
  auto v = reader((*f)[0], "kept outbox version").uint();
  if (!v)
    return v.error();
  if (*v != outbox_record_version)
    return make_error(errc::unsupported_version, "kept outbox version " + std::to_string(*v));
  std::uint32_t n = 0;
  auto items = reader((*f)[1], "kept outbox entries").array_up_to(outbox_limits.max_array_items, n);
  if (!items)
    return items.error();
  std::vector<peg::outbox_entry> out;
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto e = reader((*items)[i], "kept outbox entry").array(2);
    if (!e)
      return e.error();
    auto kind = reader((*e)[0], "kept outbox entry kind").uint();
    if (!kind)
      return kind.error();
    if (*kind == 0) {
      auto m = read_peg_message((*e)[1]);
      if (!m)
        return m.error();
      out.emplace_back(std::move(*m));
    } else if (*kind == 1) {
      auto a = read_peg_ack((*e)[1]);
      if (!a)
        return a.error();
      out.emplace_back(std::move(*a));
    } else {
      return make_error(errc::malformed, "kept outbox entry kind: expected 0 (message) or 1 (acknowledgement)");
    }
  }
  return out;
}
} // namespace

bytes encode_outbox(const std::vector<peg::outbox_entry>& entries) {
  bytes out;
  write_outbox(entries, out);
  return out;
}

result<std::vector<peg::outbox_entry>> decode_outbox(byte_view in) {
  return decode_canonical<std::vector<peg::outbox_entry>>(in, outbox_limits, read_outbox, write_outbox);
}

} // namespace bfd::codec
