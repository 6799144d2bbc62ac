// Canonical encoding of the consensus state: what its root hashes and what storage keeps.
#include "chains/consensus/consensus_state.hpp"

#include "chains/codec/canonical.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

namespace {

constexpr std::uint64_t state_version = 1;
// 10,000 VMs with their stakes encode to a few MB; the bounds leave room and stop garbage.
constexpr codec::limits state_limits{256 * 1024 * 1024, 4'000'000, 6};

void encode_cluster(const cluster& c, codec::writer& w) {
  w.array(3);
  w.array(static_cast<std::uint32_t>(c.members.size()));
  for (const auto& m : c.members) {
    w.array(3);
    w.bin(m.key);
    w.uint(m.category);
    w.uint(m.power);
  }
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

} // namespace

bytes consensus_state::encode() const {
  bytes out;
  out.reserve(256 + vms_.size() * 160 + stakes_.size() * 80);
  codec::writer w(out);
  w.array(11);
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
  w.array(static_cast<std::uint32_t>(vms_.size()));
  for (const auto& [key, vm] : vms_) {
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
  w.array(static_cast<std::uint32_t>(stakes_.size()));
  for (const auto& [key, value] : stakes_) {
    w.array(3);
    w.bin(key.first);
    w.bin(key.second);
    w.uint(value);
  }
  return out;
}

hash256 consensus_state::root() const {
  return tagged_hash(hash_tag::consensus, encode());
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
      auto v = codec::reader(vms[i], "vm").array(13);
      if (!v) {
        cur.fail(v.error());
        break;
      }
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
      cur.inherit(vc);
      if (vc.ok() && vm.category >= st.s_.params.categories.size())
        cur.fail(make_error(errc::malformed, "vm.category out of range"));
      st.vms_.emplace(key, vm);
    }
    const auto* stakes = cur.list(n);
    for (std::uint32_t i = 0; i < n && cur.ok(); ++i) {
      auto s = codec::reader(stakes[i], "stake").array(3);
      if (!s) {
        cur.fail(s.error());
        break;
      }
      cursor sc(*s, "stake");
      auto vm = sc.fixed<32>();
      auto voter = sc.fixed<20>();
      auto value = sc.uint();
      cur.inherit(sc);
      st.stakes_.emplace(stake_key{vm, voter}, value);
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
