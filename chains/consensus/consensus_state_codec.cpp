// Canonical encoding of the consensus state: what its root hashes and what storage keeps.
#include "chains/consensus/consensus_state.hpp"

#include "chains/codec/canonical.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/merkle/merkle.hpp"

namespace bfd {

namespace {

constexpr std::uint64_t state_version = 1;
// 10,000 VMs with their stakes encode to a few MB; the bounds leave room and stop garbage.
constexpr codec::limits state_limits{256 * 1024 * 1024, 4'000'000, 6};

void encode_cluster(const cluster& c, codec::writer& w) {
  w.array(3);
  codec::encode_members(c, w);
  w.uint(c.power);
  w.uint(c.total_power);
}

// Reads fields in order; remembers the first error.
class cursor {
public:
  cursor(const msgpack::object* items, const char* what) : items_(items), what_(what) {}

  std::uint64_t uint() {
    auto v = codec::reader(next(), what_).uint();
    return take(v, std::uint64_t{0});
  }
  std::uint32_t uint32() {
    auto v = uint();
    if (v > UINT32_MAX)
      fail(make_error(errc::malformed, std::string(what_) + ": over 32 bits"));
    return static_cast<std::uint32_t>(v);
  }
  template <std::size_t N>
  fixed_bytes<N> fixed() {
    auto v = codec::reader(next(), what_).fixed<N>();
    return take(v, fixed_bytes<N>{});
  }
  bytes bin(std::size_t max) {
    auto v = codec::reader(next(), what_).bin(max);
    return take(v, bytes{});
  }
  /// The items of a nested array of exactly n, or of up to `max` when n is 0.
  const msgpack::object* array(std::uint32_t n) {
    auto v = codec::reader(next(), what_).array(n);
    return take(v, static_cast<const msgpack::object*>(nullptr));
  }
  const msgpack::object* list(std::uint32_t& count) {
    auto v = codec::reader(next(), what_).array_up_to(state_limits.max_array_items, count);
    auto* p = take(v, static_cast<const msgpack::object*>(nullptr));
    if (!p)
      count = 0;
    return p;
  }
  bool ok() const { return !err_; }
  const error& err() const { return *err_; }
  void fail(error e) {
    if (!err_)
      err_ = std::move(e);
  }
  void inherit(const cursor& other) {
    if (!other.ok())
      fail(other.err());
  }

private:
  const msgpack::object& next() { return items_[pos_++]; }
  template <class T, class D>
  T take(result<T>& v, D fallback) {
    if (!v) {
      fail(v.error());
      return fallback;
    }
    return std::move(*v);
  }
  const msgpack::object* items_;
  const char* what_;
  std::size_t pos_ = 0;
  std::optional<error> err_;
};

cluster read_cluster(const msgpack::object* items, cursor& parent) {
  cluster c;
  if (!items)
    return c;
  cursor cur(items, "cluster");
  std::uint32_t n = 0;
  const auto* members = cur.list(n);
  for (std::uint32_t i = 0; i < n && cur.ok(); ++i) {
    auto m = codec::reader(members[i], "cluster member").array(3);
    if (!m) {
      cur.fail(m.error());
      break;
    }
    cursor mc(*m, "cluster member");
    cluster_member member{mc.fixed<32>(), mc.uint32(), mc.uint()};
    cur.inherit(mc);
    c.members.push_back(member);
  }
  c.power = cur.uint();
  c.total_power = cur.uint();
  parent.inherit(cur);
  return c;
}

void encode_vm(const public_key& key, const vm_info& vm, codec::writer& w) {
  w.array(13);
  w.bin(key);
  w.uint(vm.category);
  w.uint(vm.bid);
  w.uint(vm.votes);
  w.bin(vm.last_reveal);
  w.uint(vm.reveals);
  w.uint(vm.created_epoch);
  w.uint(static_cast<std::uint64_t>(vm.status));
  w.uint(vm.consecutive_misses);
  w.uint(vm.slots_missed);
  w.uint(vm.blocks_produced);
  w.uint(vm.txs_included);
  w.uint(vm.rewards);
}

void encode_stake(const stake_key& key, amount value, codec::writer& w) {
  w.array(3);
  w.bin(key.first);
  w.bin(key.second);
  w.uint(value);
}

result<std::pair<public_key, vm_info>> read_vm(const msgpack::object& o, std::size_t categories) {
  auto v = codec::reader(o, "vm").array(13);
  if (!v)
    return v.error();
  cursor vc(*v, "vm");
  auto key = vc.fixed<32>();
  vm_info vm;
  vm.category = vc.uint32();
  vm.bid = vc.uint();
  vm.votes = vc.uint();
  vm.last_reveal = vc.fixed<32>();
  vm.reveals = vc.uint();
  vm.created_epoch = vc.uint();
  auto status = vc.uint();
  if (status > 2)
    vc.fail(make_error(errc::malformed, "vm.status"));
  vm.status = static_cast<vm_status>(status);
  vm.consecutive_misses = vc.uint32();
  vm.slots_missed = vc.uint();
  vm.blocks_produced = vc.uint();
  vm.txs_included = vc.uint();
  vm.rewards = vc.uint();
  if (!vc.ok())
    return vc.err();
  if (vm.category >= categories)
    return make_error(errc::malformed, "vm.category out of range");
  return std::pair{key, vm};
}

result<std::pair<stake_key, amount>> read_stake(const msgpack::object& o) {
  auto s = codec::reader(o, "stake").array(3);
  if (!s)
    return s.error();
  cursor sc(*s, "stake");
  auto vm = sc.fixed<32>();
  auto voter = sc.fixed<20>();
  auto value = sc.uint();
  if (!sc.ok())
    return sc.err();
  return std::pair{stake_key{vm, voter}, value};
}

} // namespace

void consensus_state::write_scalars(codec::writer& w, std::uint32_t items) const {
  w.array(items);
  w.uint(state_version);
  w.uint(s_.chain);
  // params
  const auto& p = s_.params;
  w.array(9);
  w.array(static_cast<std::uint32_t>(p.categories.size()));
  for (const auto& c : p.categories) {
    w.array(4);
    w.bin(byte_view{reinterpret_cast<const byte*>(c.name.data()), c.name.size()});
    w.uint(c.compute_weight);
    w.uint(c.max_new_per_epoch);
    w.uint(c.cluster_cap);
  }
  w.uint(p.genesis_time_ms);
  w.uint(p.slot_ms);
  w.uint(p.rounds_per_epoch);
  w.uint(p.min_bid);
  w.uint(p.work_bits);
  w.uint(p.block_reward);
  w.uint(p.base_block_txs);
  w.uint(p.miss_limit);
  // epoch, seed
  w.uint(s_.epoch);
  w.bin(s_.seed);
  // round
  const auto& r = s_.round;
  w.array(5);
  w.uint(r.number);
  w.uint(r.first_slot);
  w.array(static_cast<std::uint32_t>(r.order.size()));
  for (const auto& k : r.order)
    w.bin(k);
  w.array(static_cast<std::uint32_t>(r.blocks.size()));
  for (auto b : r.blocks)
    w.uint(b);
  w.array(static_cast<std::uint32_t>(r.reveals.size()));
  for (const auto& rv : r.reveals) {
    if (rv) {
      w.array(1);
      w.bin(*rv);
    } else {
      w.array(0);
    }
  }
  encode_cluster(s_.active, w);
  encode_cluster(s_.next, w);
  w.array(static_cast<std::uint32_t>(s_.new_this_epoch.size()));
  for (auto n : s_.new_this_epoch)
    w.uint(n);
}

bytes consensus_state::encode() const {
  bytes out;
  out.reserve(256 + vms_.size() * 160 + stakes_.size() * 80);
  codec::writer w(out);
  write_scalars(w, 11);
  w.array(static_cast<std::uint32_t>(vms_.size()));
  for (const auto& [key, vm] : vms_)
    encode_vm(key, vm, w);
  w.array(static_cast<std::uint32_t>(stakes_.size()));
  for (const auto& [key, value] : stakes_)
    encode_stake(key, value, w);
  return out;
}

bytes consensus_state::encode_scalars() const {
  bytes out;
  codec::writer w(out);
  write_scalars(w, 9);
  return out;
}

namespace {

// Re-hashes the dirty buckets of a tree over a map whose bucket is the first byte of its key;
// `lowest(b)` is the smallest key of bucket b.
template <class Map, class First, class Lowest, class ItemHash>
hash256 tree_root(const Map& items, bucket_tree& tree, First first_byte, Lowest lowest, ItemHash item_hash) {
  if (tree.any_dirty()) {
    std::vector<hash256> hashes;
    for (std::size_t b = 0; b < bucket_tree::buckets; ++b) {
      if (!tree.dirty(b))
        continue;
      hashes.clear();
      for (auto i = items.lower_bound(lowest(static_cast<byte>(b))); i != items.end() && first_byte(i->first) == b; ++i)
        hashes.push_back(item_hash(i->first, i->second));
      tree.set_bucket(static_cast<std::uint8_t>(b), merkle_root(hashes));
    }
  }
  return tree.root(items.size());
}

} // namespace

hash256 consensus_state::root() const {
  return root_of(root_parts());
}

hash256 consensus_state::root_of(const root_parts_t& parts) {
  const auto scalars = tagged_hash(hash_tag::consensus_scalars, parts.scalars);
  tagged_hasher h(hash_tag::consensus);
  h.update(scalars.view());
  h.update(parts.vms_root.view());
  h.update(parts.stakes_root.view());
  return h.finish();
}

consensus_state::root_parts_t consensus_state::root_parts() const {
  bytes buf;
  buf.reserve(256);
  const auto vms_root = tree_root(
    vms_, vm_tree_, [](const public_key& k) { return k[0]; },
    [](byte b) {
      public_key k{};
      k[0] = b;
      return k;
    },
    [&buf](const public_key& key, const vm_info& vm) {
      buf.clear();
      codec::writer w(buf);
      encode_vm(key, vm, w);
      return tagged_hash(hash_tag::vm, buf);
    });
  const auto stakes_root = tree_root(
    stakes_, stake_tree_, [](const stake_key& k) { return k.first[0]; },
    [](byte b) {
      stake_key k{};
      k.first[0] = b;
      return k;
    },
    [&buf](const stake_key& key, amount value) {
      buf.clear();
      codec::writer w(buf);
      encode_stake(key, value, w);
      return tagged_hash(hash_tag::stake, buf);
    });
  return root_parts_t{encode_scalars(), vms_root, stakes_root};
}

std::vector<consensus_state::record> consensus_state::dirty_records() const {
  std::vector<record> out;
  out.reserve(dirty_vms_.size() + dirty_stakes_.size());
  for (const auto& key : dirty_vms_) {
    record r;
    r.first.push_back('v');
    r.first.insert(r.first.end(), key.begin(), key.end());
    if (auto i = vms_.find(key); i != vms_.end()) {
      r.second.emplace();
      codec::writer w(*r.second);
      encode_vm(key, i->second, w);
    }
    out.push_back(std::move(r));
  }
  for (const auto& key : dirty_stakes_) {
    record r;
    r.first.push_back('s');
    r.first.insert(r.first.end(), key.first.begin(), key.first.end());
    r.first.insert(r.first.end(), key.second.begin(), key.second.end());
    if (auto i = stakes_.find(key); i != stakes_.end()) {
      r.second.emplace();
      codec::writer w(*r.second);
      encode_stake(key, i->second, w);
    }
    out.push_back(std::move(r));
  }
  return out;
}

void consensus_state::mark_all_dirty() {
  for (const auto& [key, vm] : vms_)
    dirty_vms_.insert(key);
  for (const auto& [key, value] : stakes_)
    dirty_stakes_.insert(key);
}

result<consensus_state> consensus_state::restore(byte_view scalars,
                                                 std::span<const std::pair<bytes, bytes>> records) {
  // The scalar record is the full encoding's first nine items: decode it as a full encoding
  // with empty VM and stake lists (a 9-item array header becomes an 11-item one).
  if (scalars.empty() || scalars[0] != 0x99)
    return make_error(errc::malformed, "consensus scalar record: not a 9-item array");
  bytes full(scalars.begin(), scalars.end());
  full[0] = 0x9b;
  full.push_back(0x90);
  full.push_back(0x90);
  auto st = decode(full);
  if (!st)
    return st.error();
  const auto categories = st->s_.params.categories.size();
  for (const auto& [key, value] : records) {
    if (key.size() == 33 && key[0] == 'v') {
      auto vm = codec::decode_canonical<std::pair<public_key, vm_info>>(
        value, codec::limits{256, 16, 2},
        [categories](const msgpack::object& o) { return read_vm(o, categories); },
        [](const std::pair<public_key, vm_info>& x, bytes& out) {
          codec::writer w(out);
          encode_vm(x.first, x.second, w);
        });
      if (!vm)
        return vm.error();
      if (!std::equal(key.begin() + 1, key.end(), vm->first.begin()))
        return make_error(errc::malformed, "VM record under another key");
      st->vms_.emplace(vm->first, vm->second);
    } else if (key.size() == 53 && key[0] == 's') {
      auto sk = codec::decode_canonical<std::pair<stake_key, amount>>(
        value, codec::limits{128, 4, 2}, [](const msgpack::object& o) { return read_stake(o); },
        [](const std::pair<stake_key, amount>& x, bytes& out) {
          codec::writer w(out);
          encode_stake(x.first, x.second, w);
        });
      if (!sk)
        return sk.error();
      if (!std::equal(key.begin() + 1, key.begin() + 33, sk->first.first.begin())
          || !std::equal(key.begin() + 33, key.end(), sk->first.second.begin()))
        return make_error(errc::malformed, "stake record under another key");
      st->stakes_.emplace(sk->first, sk->second);
    } else {
      return make_error(errc::malformed, "unknown consensus record key");
    }
  }
  return st;
}

result<consensus_state> consensus_state::decode(byte_view in) {
  auto read = [](const msgpack::object& o) -> result<consensus_state> {
    auto top = codec::reader(o, "consensus state").array(11);
    if (!top)
      return top.error();
    cursor cur(*top, "consensus state");
    if (cur.uint() != state_version && cur.ok())
      return make_error(errc::unsupported_version, "consensus state version");
    consensus_state st;
    st.s_.chain = cur.uint32();
    if (const auto* pf = cur.array(9)) {
      cursor pc(pf, "params");
      std::uint32_t n = 0;
      const auto* cats = pc.list(n);
      for (std::uint32_t i = 0; i < n && pc.ok(); ++i) {
        auto c = codec::reader(cats[i], "category").array(4);
        if (!c) {
          pc.fail(c.error());
          break;
        }
        cursor cc(*c, "category");
        auto name = cc.bin(256);
        category_params cat{std::string(name.begin(), name.end()), cc.uint32(), cc.uint32(), cc.uint32()};
        pc.inherit(cc);
        st.s_.params.categories.push_back(std::move(cat));
      }
      auto& p = st.s_.params;
      p.genesis_time_ms = pc.uint();
      p.slot_ms = pc.uint();
      p.rounds_per_epoch = pc.uint();
      p.min_bid = pc.uint();
      p.work_bits = pc.uint32();
      p.block_reward = pc.uint();
      p.base_block_txs = pc.uint32();
      p.miss_limit = pc.uint32();
      cur.inherit(pc);
    }
    st.s_.epoch = cur.uint();
    st.s_.seed = cur.fixed<32>();
    if (const auto* rf = cur.array(5)) {
      cursor rc(rf, "round");
      auto& r = st.s_.round;
      r.number = rc.uint();
      r.first_slot = rc.uint();
      std::uint32_t n = 0;
      const auto* order = rc.list(n);
      for (std::uint32_t i = 0; i < n && rc.ok(); ++i) {
        auto k = codec::reader(order[i], "round.order").fixed<32>();
        if (!k)
          rc.fail(k.error());
        else
          r.order.push_back(*k);
      }
      const auto* blocks = rc.list(n);
      for (std::uint32_t i = 0; i < n && rc.ok(); ++i) {
        auto b = codec::reader(blocks[i], "round.blocks").uint();
        if (!b || *b > UINT32_MAX)
          rc.fail(make_error(errc::malformed, "round.blocks"));
        else
          r.blocks.push_back(static_cast<std::uint32_t>(*b));
      }
      const auto* reveals = rc.list(n);
      for (std::uint32_t i = 0; i < n && rc.ok(); ++i) {
        std::uint32_t m = 0;
        auto rv = codec::reader(reveals[i], "round.reveal").array_up_to(1, m);
        if (!rv) {
          rc.fail(rv.error());
        } else if (m == 0) {
          r.reveals.push_back(std::nullopt);
        } else {
          auto h = codec::reader((*rv)[0], "round.reveal").fixed<32>();
          if (!h)
            rc.fail(h.error());
          else
            r.reveals.push_back(*h);
        }
      }
      if (rc.ok() && (r.blocks.size() != r.order.size() || r.reveals.size() != r.order.size()))
        rc.fail(make_error(errc::malformed, "round arrays differ in length"));
      cur.inherit(rc);
    }
    st.s_.active = read_cluster(cur.array(3), cur);
    st.s_.next = read_cluster(cur.array(3), cur);
    std::uint32_t n = 0;
    const auto* counts = cur.list(n);
    for (std::uint32_t i = 0; i < n && cur.ok(); ++i) {
      auto c = codec::reader(counts[i], "new_this_epoch").uint();
      if (!c || *c > UINT32_MAX)
        cur.fail(make_error(errc::malformed, "new_this_epoch"));
      else
        st.s_.new_this_epoch.push_back(static_cast<std::uint32_t>(*c));
    }
    const auto* vms = cur.list(n);
    for (std::uint32_t i = 0; i < n && cur.ok(); ++i) {
      auto vm = read_vm(vms[i], st.s_.params.categories.size());
      if (!vm)
        cur.fail(vm.error());
      else
        st.vms_.emplace(vm->first, vm->second);
    }
    const auto* stakes = cur.list(n);
    for (std::uint32_t i = 0; i < n && cur.ok(); ++i) {
      auto sk = read_stake(stakes[i]);
      if (!sk)
        cur.fail(sk.error());
      else
        st.stakes_.emplace(sk->first, sk->second);
    }
    if (!cur.ok())
      return cur.err();
    if (st.s_.params.categories.empty() || st.s_.params.slot_ms == 0 || st.s_.params.rounds_per_epoch == 0
        || st.s_.new_this_epoch.size() != st.s_.params.categories.size())
      return make_error(errc::malformed, "consensus parameters out of range");
    return st;
  };
  return codec::decode_canonical<consensus_state>(in, state_limits, read,
                                                  [](const consensus_state& s, bytes& out) { out = s.encode(); });
}

} // namespace bfd
