#include "chains/sidechain/registry.hpp"
#include "chains/core/big_endian.hpp"

#include <algorithm>

#include "chains/codec/block_codec.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/validator_choice.hpp"

namespace bfd {

namespace {

std::string chain_name(chain_id id) {
  return "sidechain " + std::to_string(id);
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_'
         || c == '-' || c == '.';
}

bool symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// What registration checks of an entry alone (the rest needs the mainchain: cluster, time).
status check_entry_shape(const sidechain_entry& e) {
  if (e.id == 0 || e.id == mainchain_id)
    return make_error(errc::invalid_argument, "sidechain id " + std::to_string(e.id) + " is reserved");
  if (e.kind == chain_kind::mainchain || static_cast<std::uint8_t>(e.kind) > static_cast<std::uint8_t>(chain_kind::consortium))
    return make_error(errc::invalid_argument, "a sidechain's kind must be a sidechain kind");
  if (e.name.empty() || e.name.size() > registry_bounds::max_name_bytes
      || !std::all_of(e.name.begin(), e.name.end(), name_char) || e.name.front() == ' ' || e.name.back() == ' ')
    return make_error(errc::invalid_argument, "sidechain name: 1 to 64 of A-Z a-z 0-9 space _ - . "
                                              "(no space at either end)");
  const auto& t = e.token;
  if (t.symbol.empty() || t.symbol.size() > registry_bounds::max_symbol_bytes
      || !std::all_of(t.symbol.begin(), t.symbol.end(), symbol_char))
    return make_error(errc::invalid_argument, "token symbol: 1 to 12 of A-Z 0-9");
  if (t.pegged_bfdt() && !t.allocations.empty())
    return make_error(errc::invalid_argument, "a BFDT sidechain has no genesis allocations: BFDT arrives by the peg");
  if (!t.pegged_bfdt() && t.allocations.empty())
    return make_error(errc::invalid_argument, "an own token needs its supply allocated at genesis");
  if (t.allocations.size() > registry_bounds::max_allocations)
    return make_error(errc::too_large, "more than 1024 genesis allocations");
  if (e.validators.size() > registry_bounds::max_validators)
    return make_error(errc::too_large, "more than 256 validators");
  if (e.params.anchor_interval == 0 || e.params.anchor_interval > registry_bounds::max_anchor_interval)
    return make_error(errc::invalid_argument, "anchor_interval must be 1 to 1024 blocks");
  if (e.params.slot_ms == 0 || e.params.rounds_per_epoch == 0 || e.params.base_block_txs == 0)
    return make_error(errc::invalid_argument, "slot_ms, rounds_per_epoch and base_block_txs must be at least 1");
  return {};
}

bytes chain_key(chain_id id) {
  bytes k{'c'};
  put_be(k, id, 4);
  return k;
}

bytes anchor_key_bytes(chain_id id, std::uint64_t seq) {
  bytes k{'a'};
  put_be(k, id, 4);
  put_be(k, seq, 8);
  return k;
}

std::uint64_t get_be(byte_view in, std::size_t at, int width) {
  return bfd::get_be(in.data() + at, width);
}

bytes encode_anchor(const anchor_record& a) {
  bytes out;
  codec::writer w(out);
  w.array(3);
  w.uint(a.sidechain_height);
  w.bin(a.header_hash);
  w.uint(a.mainchain_height);
  return out;
}

constexpr codec::limits anchor_record_limits{128, 4, 1};
constexpr codec::limits info_limits{256 * 1024, 1024, 4};
constexpr std::uint64_t info_version = 1;

result<anchor_record> decode_anchor(byte_view in) {
  return codec::decode_canonical<anchor_record>(
    in, anchor_record_limits,
    [](const msgpack::object& o) -> result<anchor_record> {
      auto f = codec::reader(o, "anchor record").array(3);
      if (!f)
        return f.error();
      auto sh = codec::reader((*f)[0], "anchor.sidechain_height").uint();
      auto hash = codec::reader((*f)[1], "anchor.header_hash").fixed<32>();
      auto mh = codec::reader((*f)[2], "anchor.mainchain_height").uint();
      if (!sh) return sh.error();
      if (!hash) return hash.error();
      if (!mh) return mh.error();
      return anchor_record{*sh, *hash, *mh};
    },
    [](const anchor_record& a, bytes& out) { out = encode_anchor(a); });
}

hash256 anchor_hash(chain_id id, std::uint64_t seq, const anchor_record& a) {
  auto body = anchor_key_bytes(id, seq);
  const auto enc = encode_anchor(a);
  body.insert(body.end(), enc.begin(), enc.end());
  return tagged_hash(hash_tag::sidechain, body);
}

} // namespace

namespace codec {

namespace {
void write_optional_height(writer& w, const std::optional<std::uint64_t>& h) {
  w.array(h ? 1 : 0);
  if (h)
    w.uint(*h);
}

result<std::optional<std::uint64_t>> read_optional_height(const msgpack::object& o, const char* what) {
  std::uint32_t count = 0;
  auto items = reader(o, what).array_up_to(1, count);
  if (!items)
    return items.error();
  if (count == 0)
    return std::optional<std::uint64_t>{};
  auto v = reader((*items)[0], what).uint();
  if (!v)
    return v.error();
  return std::optional<std::uint64_t>{*v};
}
} // namespace

bytes encode(const sidechain_info& s) {
  bytes out;
  writer w(out);
  w.array(13);
  w.uint(info_version);
  write(s.entry, w);
  w.uint(static_cast<std::uint64_t>(s.status));
  w.uint(s.registered_height);
  write_optional_height(w, s.activated_height);
  write_optional_height(w, s.ceased_height);
  w.bin(s.genesis_hash);
  w.uint(s.anchored_height);
  w.bin(s.anchored_hash);
  w.uint(s.first_anchor);
  w.uint(s.next_anchor);
  w.bin(encode(s.trust_header));
  write(s.trust_proof, w);
  return out;
}

result<sidechain_info> decode_sidechain_info(byte_view in) {
  auto read = [](const msgpack::object& o) -> result<sidechain_info> {
    auto f = reader(o, "sidechain record").array(13);
    if (!f)
      return f.error();
    const auto* x = *f;
    auto version = reader(x[0], "sidechain record.version").uint();
    if (!version)
      return version.error();
    if (*version != info_version)
      return make_error(errc::unsupported_version, "sidechain record version " + std::to_string(*version));
    sidechain_info s;
    auto entry = read_sidechain_entry(x[1]);
    if (!entry)
      return entry.error();
    s.entry = std::move(*entry);
    auto st = reader(x[2], "sidechain record.status").uint();
    if (!st)
      return st.error();
    if (*st > static_cast<std::uint64_t>(sidechain_status::ceased))
      return make_error(errc::malformed, "sidechain record.status: unknown");
    s.status = static_cast<sidechain_status>(*st);
    auto reg = reader(x[3], "sidechain record.registered_height").uint();
    auto act = read_optional_height(x[4], "sidechain record.activated_height");
    auto ceased = read_optional_height(x[5], "sidechain record.ceased_height");
    auto genesis = reader(x[6], "sidechain record.genesis_hash").fixed<32>();
    auto ah = reader(x[7], "sidechain record.anchored_height").uint();
    auto ahash = reader(x[8], "sidechain record.anchored_hash").fixed<32>();
    auto first = reader(x[9], "sidechain record.first_anchor").uint();
    auto next = reader(x[10], "sidechain record.next_anchor").uint();
    auto header = reader(x[11], "sidechain record.trust_header").bin(registry_bounds::max_header_bytes);
    auto proof = read_state_proof(x[12]);
    if (!reg) return reg.error();
    if (!act) return act.error();
    if (!ceased) return ceased.error();
    if (!genesis) return genesis.error();
    if (!ah) return ah.error();
    if (!ahash) return ahash.error();
    if (!first) return first.error();
    if (!next) return next.error();
    if (!header) return header.error();
    if (!proof) return proof.error();
    auto h = decode_block_header(*header);
    if (!h)
      return h.error();
    if (*first > *next)
      return make_error(errc::malformed, "sidechain record: first anchor above next");
    s.registered_height = *reg;
    s.activated_height = *act;
    s.ceased_height = *ceased;
    s.genesis_hash = *genesis;
    s.anchored_height = *ah;
    s.anchored_hash = *ahash;
    s.first_anchor = *first;
    s.next_anchor = *next;
    s.trust_header = std::move(*h);
    s.trust_proof = std::move(*proof);
    return s;
  };
  return decode_canonical<sidechain_info>(in, info_limits, read,
                                          [](const sidechain_info& s, bytes& out) { out = encode(s); });
}

} // namespace codec

sidechain_registry::sidechain_registry(const public_key& authority, consensus_params mainchain, bool pegged)
  : authority_(authority), mainchain_(std::move(mainchain)), pegged_(pegged) {}

status sidechain_registry::check_authority(const public_key& sender, const char* what) const {
  if (sender != authority_)
    return make_error(errc::unauthorized, std::string("only the registry authority may ") + what);
  return {};
}

result<const sidechain_registry::item*> sidechain_registry::existing(chain_id id) const {
  auto it = items_.find(id);
  if (it == items_.end())
    return make_error(errc::unknown_chain, chain_name(id) + " is not registered");
  return &it->second;
}

status sidechain_registry::check_register(const public_key& sender, const sidechain_register_payload& p,
                                          const mainchain_position& at, const cluster& active) const {
  if (auto st = check_authority(sender, "register a sidechain"); !st)
    return st;
  const auto& e = p.entry;
  if (auto st = check_entry_shape(e); !st)
    return st;
  if (items_.count(e.id))
    return make_error(errc::already_exists, chain_name(e.id) + " is registered already");
  if (names_.count(e.name))
    return make_error(errc::already_exists, "a sidechain named \"" + e.name + "\" is registered already");
  if (auto st = check_validator_rule(e.validators, e.rule, active, mainchain_.categories.size()); !st)
    return st;
  if (e.genesis_time_ms < at.timestamp_ms)
    return make_error(errc::invalid_argument, "genesis_time_ms is before the registering block's timestamp");
  return {};
}

status sidechain_registry::apply_register(const public_key& sender, const sidechain_register_payload& p,
                                          const mainchain_position& at, const cluster& active) {
  if (auto st = check_register(sender, p, at, active); !st)
    return st;
  // The genesis every node derives from the entry: the light client starts from it.
  // With the peg, the module is part of the genesis (its trust point is not hashed).
  const auto spec = pegged_ ? with_peg(sidechain_spec(p.entry, mainchain_)) : sidechain_spec(p.entry, mainchain_);
  auto genesis = chain_state::genesis(spec.genesis);
  if (!genesis)
    return make_error(genesis.error().code, "sidechain genesis: " + genesis.error().detail);
  const auto& [gstate, gblock] = *genesis;
  auto proof = make_state_proof(gstate);
  auto client = light_client::start(gblock.header, proof);
  if (!client)
    return client.error();
  item it{sidechain_info{}, std::move(*client)};
  auto& s = it.info;
  s.entry = p.entry;
  s.status = sidechain_status::registered;
  s.registered_height = at.height;
  s.genesis_hash = header_hash(gblock.header);
  s.anchored_height = 0;
  s.anchored_hash = s.genesis_hash;
  s.trust_header = gblock.header;
  s.trust_proof = std::move(proof);
  set_item(p.entry.id, std::move(it));
  return {};
}

status sidechain_registry::check_activate(const public_key& sender, const sidechain_activate_payload& p) const {
  if (auto st = check_authority(sender, "activate a sidechain"); !st)
    return st;
  auto it = existing(p.id);
  if (!it)
    return it.error();
  if ((*it)->info.status != sidechain_status::registered)
    return make_error(errc::wrong_status, chain_name(p.id) + " is " + std::string(to_string((*it)->info.status))
                                            + ", only a registered sidechain can be activated");
  return {};
}

status sidechain_registry::apply_activate(const public_key& sender, const sidechain_activate_payload& p,
                                          const mainchain_position& at) {
  if (auto st = check_activate(sender, p); !st)
    return st;
  item it = items_.at(p.id);
  it.info.status = sidechain_status::active;
  it.info.activated_height = at.height;
  set_item(p.id, std::move(it));
  return {};
}

status sidechain_registry::check_cease(const public_key& sender, const sidechain_cease_payload& p) const {
  if (auto st = check_authority(sender, "cease a sidechain"); !st)
    return st;
  auto it = existing(p.id);
  if (!it)
    return it.error();
  if ((*it)->info.status == sidechain_status::ceased)
    return make_error(errc::wrong_status, chain_name(p.id) + " is ceased already");
  return {};
}

status sidechain_registry::apply_cease(const public_key& sender, const sidechain_cease_payload& p,
                                       const mainchain_position& at) {
  if (auto st = check_cease(sender, p); !st)
    return st;
  item it = items_.at(p.id);
  it.info.status = sidechain_status::ceased;
  it.info.ceased_height = at.height;
  set_item(p.id, std::move(it));
  return {};
}

result<light_client> sidechain_registry::verify_anchor(const item& it, const sidechain_anchor_payload& p) const {
  const auto& s = it.info;
  if (s.status != sidechain_status::active)
    return make_error(errc::wrong_status, chain_name(p.id) + " is " + std::string(to_string(s.status))
                                            + ": only an active sidechain is anchored");
  if (p.header.chain != p.id)
    return make_error(errc::wrong_chain, "the anchored header is of chain " + std::to_string(p.header.chain));
  if (p.header.height <= s.anchored_height)
    return make_error(errc::stale, "height " + std::to_string(p.header.height) + " is not above the latest anchor ("
                                     + std::to_string(s.anchored_height) + ")");
  // anchor_interval is the cadence anchorers keep; the hard bound is the longest header chain an
  // anchoring proof links, so an anchorer that fell behind (or a slow mainchain) catches up with
  // the final header it has.
  if (p.header.height - s.anchored_height > registry_bounds::max_anchor_interval)
    return make_error(errc::bad_height, "the anchor skips more than "
                                          + std::to_string(registry_bounds::max_anchor_interval)
                                          + " blocks (the longest link of an anchoring proof): anchor a final "
                                            "header in between first");
  light_client next = it.client;
  auto st = p.proof ? next.accept_handoff(p.header, p.certificate, *p.proof) : next.accept_final(p.header, p.certificate);
  if (!st)
    return st.error();
  return next;
}

status sidechain_registry::check_anchor(const sidechain_anchor_payload& p) const {
  auto it = existing(p.id);
  if (!it)
    return it.error();
  auto c = verify_anchor(**it, p);
  if (!c)
    return c.error();
  return {};
}

status sidechain_registry::apply_anchor(const sidechain_anchor_payload& p, const mainchain_position& at) {
  auto found = existing(p.id);
  if (!found)
    return found.error();
  auto c = verify_anchor(**found, p);
  if (!c)
    return c.error();
  item it{(*found)->info, std::move(*c)};
  auto& s = it.info;
  const auto hash = header_hash(p.header);
  s.anchored_height = p.header.height;
  s.anchored_hash = hash;
  if (p.proof) {
    s.trust_header = p.header;
    s.trust_proof = *p.proof;
  }
  const auto seq = s.next_anchor++;
  std::optional<std::uint64_t> dropped;
  if (s.next_anchor - s.first_anchor > kept_anchors)
    dropped = s.first_anchor++;
  set_item(p.id, std::move(it));
  set_anchor({p.id, seq}, anchor_record{p.header.height, hash, at.height});
  if (dropped)
    set_anchor({p.id, *dropped}, std::nullopt);
  return {};
}

void sidechain_registry::set_item(chain_id id, std::optional<item> value) {
  auto found = items_.find(id);
  journal_entry j;
  j.id = id;
  if (found != items_.end()) {
    j.old_item = found->second;
  }
  journal_.push_back(std::move(j));
  if (value) {
    if (found == items_.end())
      names_.emplace(value->info.entry.name, id);
    items_.insert_or_assign(id, std::move(*value));
  } else if (found != items_.end()) {
    names_.erase(found->second.info.entry.name);
    items_.erase(found);
  }
  item_hashes_.erase(id);
  dirty_chains_.insert(id);
}

void sidechain_registry::set_anchor(const anchor_key& key, std::optional<anchor_record> value) {
  auto found = anchors_.find(key);
  journal_entry j;
  j.id = key.first;
  j.anchor = key.second;
  if (found != anchors_.end())
    j.old_anchor = found->second;
  journal_.push_back(std::move(j));
  if (value)
    anchors_.insert_or_assign(key, *value);
  else if (found != anchors_.end())
    anchors_.erase(found);
  item_hashes_.erase(key.first);
  dirty_anchors_.insert(key);
}

void sidechain_registry::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    auto j = std::move(journal_.back());
    journal_.pop_back();
    if (j.anchor) {
      const anchor_key key{j.id, *j.anchor};
      if (j.old_anchor)
        anchors_.insert_or_assign(key, *j.old_anchor);
      else
        anchors_.erase(key);
      dirty_anchors_.insert(key);
    } else {
      auto found = items_.find(j.id);
      if (found != items_.end())
        names_.erase(found->second.info.entry.name);
      if (j.old_item) {
        names_.emplace(j.old_item->info.entry.name, j.id);
        items_.insert_or_assign(j.id, std::move(*j.old_item));
      } else if (found != items_.end()) {
        items_.erase(found);
      }
      dirty_chains_.insert(j.id);
    }
    item_hashes_.erase(j.id);
  }
}

const sidechain_info* sidechain_registry::find(chain_id id) const {
  auto it = items_.find(id);
  return it == items_.end() ? nullptr : &it->second.info;
}

const light_client* sidechain_registry::client(chain_id id) const {
  auto it = items_.find(id);
  return it == items_.end() ? nullptr : &it->second.client;
}

std::vector<chain_id> sidechain_registry::ids() const {
  std::vector<chain_id> out;
  out.reserve(items_.size());
  for (const auto& [id, it] : items_)
    out.push_back(id);
  return out;
}

std::vector<anchor_record> sidechain_registry::anchors(chain_id id) const {
  std::vector<anchor_record> out;
  for (auto it = anchors_.lower_bound({id, 0}); it != anchors_.end() && it->first.first == id; ++it)
    out.push_back(it->second);
  return out;
}

std::optional<anchor_record> sidechain_registry::anchor_covering(chain_id id, std::uint64_t h) const {
  // Anchors of one chain are in sequence order, which is height order: find the first at or above h.
  auto lo = anchors_.lower_bound({id, 0});
  auto hi = id == UINT32_MAX ? anchors_.end() : anchors_.lower_bound({id + 1, 0});
  auto it = std::partition_point(lo, hi, [h](const auto& kv) { return kv.second.sidechain_height < h; });
  if (it == hi)
    return std::nullopt;
  return it->second;
}

hash256 sidechain_registry::root() const {
  std::vector<hash256> leaves;
  leaves.reserve(items_.size());
  for (const auto& [id, it] : items_) {
    auto cached = item_hashes_.find(id);
    if (cached == item_hashes_.end()) {
      std::vector<hash256> kept;
      for (auto a = anchors_.lower_bound({id, 0}); a != anchors_.end() && a->first.first == id; ++a)
        kept.push_back(anchor_hash(id, a->first.second, a->second));
      const auto anchors_root = merkle_root(kept);
      bytes body = chain_key(id);
      const auto enc = codec::encode(it.info);
      body.insert(body.end(), enc.begin(), enc.end());
      body.insert(body.end(), anchors_root.begin(), anchors_root.end());
      cached = item_hashes_.emplace(id, tagged_hash(hash_tag::sidechain, body)).first;
    }
    leaves.push_back(cached->second);
  }
  const auto top = merkle_root(leaves);
  const byte prefix[1] = {'r'};
  return tagged_hash(hash_tag::sidechain, byte_view{prefix, 1}, top.view());
}

std::vector<sidechain_registry::record> sidechain_registry::dirty_records() const {
  std::vector<record> out;
  for (auto id : dirty_chains_) {
    auto it = items_.find(id);
    out.emplace_back(chain_key(id), it == items_.end() ? std::nullopt : std::optional<bytes>(codec::encode(it->second.info)));
  }
  for (const auto& key : dirty_anchors_) {
    auto it = anchors_.find(key);
    out.emplace_back(anchor_key_bytes(key.first, key.second),
                     it == anchors_.end() ? std::nullopt : std::optional<bytes>(encode_anchor(it->second)));
  }
  return out;
}

void sidechain_registry::mark_all_dirty() {
  for (const auto& [id, it] : items_)
    dirty_chains_.insert(id);
  for (const auto& [key, a] : anchors_)
    dirty_anchors_.insert(key);
}

result<sidechain_registry> sidechain_registry::restore(const public_key& authority, consensus_params mainchain,
                                                       std::span<const std::pair<bytes, bytes>> records,
                                                       bool pegged) {
  sidechain_registry r(authority, std::move(mainchain), pegged);
  for (const auto& [key, value] : records) {
    if (key.size() == 5 && key[0] == 'c') {
      const auto id = static_cast<chain_id>(get_be(key, 1, 4));
      auto info = codec::decode_sidechain_info(value);
      if (!info)
        return make_error(errc::storage_corrupt, chain_name(id) + ": " + info.error().message());
      if (info->entry.id != id)
        return make_error(errc::storage_corrupt, chain_name(id) + ": record of another id");
      auto client = light_client::start(info->trust_header, info->trust_proof);
      if (!client)
        return make_error(errc::storage_corrupt, chain_name(id) + ": " + client.error().message());
      if (!r.names_.emplace(info->entry.name, id).second)
        return make_error(errc::storage_corrupt, chain_name(id) + ": duplicate name");
      r.items_.emplace(id, item{std::move(*info), std::move(*client)});
    } else if (key.size() == 13 && key[0] == 'a') {
      auto a = decode_anchor(value);
      if (!a)
        return make_error(errc::storage_corrupt, "anchor record: " + a.error().message());
      r.anchors_.emplace(anchor_key{static_cast<chain_id>(get_be(key, 1, 4)), get_be(key, 5, 8)}, *a);
    } else {
      return make_error(errc::storage_corrupt, "sidechain registry: unknown record key");
    }
  }
  // Every kept anchor present, none outside the kept range.
  for (const auto& [id, it] : r.items_) {
    const auto& s = it.info;
    std::uint64_t expected = s.first_anchor;
    for (auto a = r.anchors_.lower_bound({id, 0}); a != r.anchors_.end() && a->first.first == id; ++a, ++expected)
      if (a->first.second != expected)
        return make_error(errc::storage_corrupt, chain_name(id) + ": anchors missing or outside the kept range");
    if (expected != s.next_anchor)
      return make_error(errc::storage_corrupt, chain_name(id) + ": anchors missing");
  }
  for (const auto& [key, a] : r.anchors_)
    if (!r.items_.count(key.first))
      return make_error(errc::storage_corrupt, "an anchor of an unregistered sidechain");
  return r;
}

bool operator==(const sidechain_registry& a, const sidechain_registry& b) {
  if (a.authority_ != b.authority_ || !(a.mainchain_ == b.mainchain_) || a.anchors_ != b.anchors_
      || a.items_.size() != b.items_.size())
    return false;
  for (auto i = a.items_.begin(), j = b.items_.begin(); i != a.items_.end(); ++i, ++j)
    if (i->first != j->first || codec::encode(i->second.info) != codec::encode(j->second.info))
      return false;
  return true;
}

} // namespace bfd
