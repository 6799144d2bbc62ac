#include "chains/peg/receipt_tree.hpp"

#include <array>
#include <bit>

#include "chains/crypto/hash.hpp"

namespace bfd::peg {

namespace {

hash256 leaf_hash(const hash256& key, const hash256& value) {
  const byte domain = 0x00;
  tagged_hasher h(hash_tag::peg_smt);
  h.update({&domain, 1});
  h.update(key.view());
  h.update(value.view());
  return h.finish();
}

hash256 node_hash(const hash256& left, const hash256& right) {
  std::array<byte, 65> buf{};
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf.begin() + 1);
  std::copy(right.begin(), right.end(), buf.begin() + 33);
  return tagged_hash(hash_tag::peg_smt, buf);
}

bool bit(const fixed_bytes<32>& b, std::size_t i) {
  return (b[i / 8] >> (7 - i % 8)) & 1;
}

void set_bit(fixed_bytes<32>& b, std::size_t i) {
  b[i / 8] = static_cast<byte>(b[i / 8] | (0x80 >> (i % 8)));
}

// `key` with bits from `depth` on zeroed: the prefix naming the node at `depth` on its path.
hash256 prefix_of(const hash256& key, std::size_t depth) {
  hash256 out = key;
  for (std::size_t i = depth; i < smt_depth; ++i)
    if (bit(out, i))
      out[i / 8] = static_cast<byte>(out[i / 8] & ~(0x80 >> (i % 8)));
  return out;
}

const std::array<hash256, smt_depth + 1>& defaults() {
  static const auto table = [] {
    std::array<hash256, smt_depth + 1> t{};
    for (std::size_t h = 1; h <= smt_depth; ++h)
      t[h] = node_hash(t[h - 1], t[h - 1]);
    return t;
  }();
  return table;
}

std::size_t popcount(const fixed_bytes<32>& b) {
  std::size_t n = 0;
  for (auto x : b)
    n += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(x)));
  return n;
}

} // namespace

hash256 receipt_key(const message_id& id) {
  return tagged_hash(hash_tag::peg_receipt, id_bytes(id));
}

const hash256& default_hash(std::size_t height) {
  return defaults().at(height);
}

std::optional<hash256> smt_root_of(const hash256& key, const std::optional<hash256>& value, const smt_proof& proof) {
  if (proof.siblings.size() != popcount(proof.bitmap))
    return std::nullopt;
  hash256 acc = value ? leaf_hash(key, *value) : default_hash(0);
  std::size_t next = proof.siblings.size();
  for (std::size_t depth = smt_depth; depth >= 1; --depth) {
    const hash256& sibling = bit(proof.bitmap, depth - 1) ? proof.siblings[--next] : default_hash(smt_depth - depth);
    acc = bit(key, depth - 1) ? node_hash(sibling, acc) : node_hash(acc, sibling);
  }
  return acc;
}

namespace {
status check_root(const hash256& root, const hash256& key, const std::optional<hash256>& value, const smt_proof& proof) {
  if (root.is_zero())
    return make_error(errc::bad_proof, "receipt root is zero: it proves nothing");
  auto computed = smt_root_of(key, value, proof);
  if (!computed)
    return make_error(errc::bad_proof, "receipt proof: sibling count differs from the bitmap");
  if (*computed != root)
    return make_error(errc::bad_proof, value ? "receipt proof does not show the key present with this value"
                                             : "receipt proof does not show the key absent");
  return {};
}
} // namespace

status verify_membership(const hash256& root, const hash256& key, const hash256& value, const smt_proof& proof) {
  return check_root(root, key, value, proof);
}

status verify_non_membership(const hash256& root, const hash256& key, const smt_proof& proof) {
  return check_root(root, key, std::nullopt, proof);
}

receipt_tree::receipt_tree() = default;

const hash256& receipt_tree::node(std::uint16_t depth, const hash256& prefix) const {
  auto it = nodes_.find({depth, prefix});
  return it == nodes_.end() ? default_hash(smt_depth - depth) : it->second;
}

const hash256& receipt_tree::root() const {
  return node(0, hash256{});
}

std::optional<hash256> receipt_tree::get(const hash256& key) const {
  auto it = leaves_.find(key);
  if (it == leaves_.end())
    return std::nullopt;
  return it->second;
}

void receipt_tree::assign(const hash256& key, const std::optional<hash256>& value) {
  if (value)
    leaves_[key] = *value;
  else
    leaves_.erase(key);
  hash256 acc = value ? leaf_hash(key, *value) : default_hash(0);
  auto store = [&](std::uint16_t depth, const hash256& prefix, const hash256& h) {
    if (h == default_hash(smt_depth - depth))
      nodes_.erase({depth, prefix});
    else
      nodes_[{depth, prefix}] = h;
  };
  store(smt_depth, key, acc);
  for (std::size_t depth = smt_depth; depth >= 1; --depth) {
    const hash256 parent = prefix_of(key, depth - 1);
    hash256 sibling_prefix = parent;
    if (!bit(key, depth - 1))
      set_bit(sibling_prefix, depth - 1);
    const hash256& sibling = node(static_cast<std::uint16_t>(depth), sibling_prefix);
    acc = bit(key, depth - 1) ? node_hash(sibling, acc) : node_hash(acc, sibling);
    store(static_cast<std::uint16_t>(depth - 1), parent, acc);
  }
}

void receipt_tree::set(const hash256& key, std::optional<hash256> value) {
  auto old = get(key);
  if (old == value)
    return;
  journal_.emplace_back(key, old);
  dirty_.insert(key);
  assign(key, value);
}

smt_proof receipt_tree::prove(const hash256& key) const {
  smt_proof p;
  for (std::size_t depth = 1; depth <= smt_depth; ++depth) {
    hash256 sibling_prefix = prefix_of(key, depth);
    sibling_prefix[(depth - 1) / 8] = static_cast<byte>(sibling_prefix[(depth - 1) / 8] ^ (0x80 >> ((depth - 1) % 8)));
    auto it = nodes_.find({static_cast<std::uint16_t>(depth), sibling_prefix});
    if (it != nodes_.end()) {
      set_bit(p.bitmap, depth - 1);
      p.siblings.push_back(it->second);
    }
  }
  return p;
}

void receipt_tree::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    auto [key, old] = std::move(journal_.back());
    journal_.pop_back();
    dirty_.insert(key);
    assign(key, old);
  }
}

void receipt_tree::forget_journal(std::size_t count) {
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
}

std::vector<receipt_tree::record> receipt_tree::dirty_records() const {
  std::vector<record> out;
  out.reserve(dirty_.size());
  for (const auto& key : dirty_) {
    bytes k{'t'};
    k.insert(k.end(), key.begin(), key.end());
    auto v = get(key);
    out.emplace_back(std::move(k), v ? std::optional<bytes>(bytes(v->begin(), v->end())) : std::nullopt);
  }
  return out;
}

void receipt_tree::mark_all_dirty() {
  for (const auto& [key, value] : leaves_)
    dirty_.insert(key);
}

result<receipt_tree> receipt_tree::restore(std::span<const std::pair<bytes, bytes>> records) {
  receipt_tree t;
  for (const auto& [k, v] : records) {
    if (k.size() != 33 || k[0] != 't' || v.size() != 32)
      return make_error(errc::storage_corrupt, "receipt tree record of the wrong shape");
    hash256 key, value;
    std::copy(k.begin() + 1, k.end(), key.begin());
    std::copy(v.begin(), v.end(), value.begin());
    if (t.leaves_.count(key))
      return make_error(errc::storage_corrupt, "receipt tree record given twice");
    t.assign(key, value);
  }
  return t;
}

} // namespace bfd::peg

namespace bfd::codec {

void write(const peg::smt_proof& p, writer& w) {
  w.array(2);
  w.bin(p.bitmap);
  w.array(static_cast<std::uint32_t>(p.siblings.size()));
  for (const auto& s : p.siblings)
    w.bin(s);
}

bytes encode(const peg::smt_proof& p) {
  bytes out;
  writer w(out);
  write(p, w);
  return out;
}

result<peg::smt_proof> read_smt_proof(const msgpack::object& obj) {
  auto items = reader(obj, "receipt proof").array(2);
  if (!items)
    return items.error();
  peg::smt_proof p;
  auto bitmap = reader((*items)[0], "proof bitmap").fixed<32>();
  if (!bitmap)
    return bitmap.error();
  p.bitmap = *bitmap;
  std::uint32_t count = 0;
  auto siblings = reader((*items)[1], "proof siblings").array_up_to(peg::smt_depth, count);
  if (!siblings)
    return siblings.error();
  std::size_t set = 0;
  for (auto x : p.bitmap)
    set += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(x)));
  if (count != set)
    return make_error(errc::malformed, "proof siblings: " + std::to_string(count) + " for "
                                         + std::to_string(set) + " bits set in the bitmap");
  p.siblings.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto s = reader((*siblings)[i], "proof sibling").fixed<32>();
    if (!s)
      return s.error();
    p.siblings.push_back(*s);
  }
  return p;
}

result<peg::smt_proof> decode_smt_proof(byte_view in) {
  return decode_canonical<peg::smt_proof>(in, codec::limits{16 * 1024, 256, 2}, read_smt_proof,
                                          [](const peg::smt_proof& p, bytes& out) {
                                            writer w(out);
                                            write(p, w);
                                          });
}

} // namespace bfd::codec
