// The topology loader: TOML (toml++) to validated plain structs, every problem named by file:line:column.
#include "config/topology.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "config/toml_support.hpp"

namespace bfd::config {

namespace fs = std::filesystem;

namespace {

using detail::diagnostics;
using detail::is_identifier;
using detail::join;
using detail::presence;
using detail::section_form;
using detail::type_phrase;

/// Largest topology file read (a topology of thousands of delegates is far smaller).
constexpr std::uintmax_t max_file_bytes = 4u << 20;

// Bounds beyond the chain's own genesis checks, so that products such as
// base_block_txs * compute_weight stay far inside 32 bits.
constexpr std::int64_t max_compute_weight = 1000;
constexpr std::int64_t max_base_block_txs = 1'000'000;
constexpr std::int64_t min_slot_ms = 60;
constexpr std::int64_t max_slot_ms = 600'000;
constexpr std::int64_t max_rounds_per_epoch = 1'000'000;
constexpr std::int64_t max_work_bits = 32;
constexpr std::int64_t max_u32 = 0xffff'ffff;

/// Sections this version reads, for "expected one of" messages.
constexpr std::string_view known_sections =
  "[network], [[nodes]], [[delegates]], [[accounts]], [http], [[chains]], [[bridges]], [cache]";

/// Sections kept for later releases: named, but refused with a clear message.
constexpr std::string_view reserved_sections[] = {"sidechains", "services"};

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

/// The shared reader, with amounts as topology files write them.
class table_reader : public detail::table_reader {
public:
  using detail::table_reader::table_reader;

  /// An amount as text: "100" (BFDT) or "1500u" (base units).
  std::optional<amount> amount_of(std::string_view key, presence p) {
    constexpr std::string_view what = "an amount as a string, e.g. \"100\" (BFDT) or \"1500u\" (base units)";
    return detail::table_reader::amount_of(key, p, what, parse_amount);
  }
};

/// A file the topology names, checked for existence by load_topology.
struct input_file {
  std::string path;
  file_position where;
  std::string what;  ///< "key file", "genesis file", "TLS certificate", ...
  std::string node;  ///< the only node that reads it (its TLS private key); empty: every node
};

/// Where a name was written, for duplicate and reference messages.
struct named_at {
  std::string name;
  file_position where;
};

class topology_parser {
public:
  explicit topology_parser(std::string source) : diag_(source), base_(fs::path(source).parent_path()) {
    out_.source = std::move(source);
    out_.base_dir = base_.string();
  }

  result<topology> run(std::string_view text, std::vector<input_file>* inputs) {
    toml::table doc;
    try {
      doc = toml::parse(text, std::string_view{out_.source});
    } catch (const toml::parse_error& e) {
      diag_.add(e.source(), "invalid TOML: " + std::string(e.description()));
      return diag_.to_error();
    } catch (const std::exception& e) {
      return make_error(errc::invalid_argument, out_.source + ": cannot parse: " + e.what());
    }
    read_sections(doc);
    if (diag_.empty())
      check_supply();
    if (!diag_.empty())
      return diag_.to_error();
    if (inputs)
      *inputs = std::move(inputs_);
    return std::move(out_);
  }

private:
  // Top level ------------------------------------------------------------------------------------

  void read_sections(const toml::table& doc) {
    for (auto&& [k, v] : doc) {
      const auto name = std::string(k.str());
      if (name == "network" || name == "nodes" || name == "delegates" || name == "accounts" || name == "http"
          || name == "chains" || name == "bridges" || name == "cache")
        continue;
      const bool reserved = std::find(std::begin(reserved_sections), std::end(reserved_sections), name)
                            != std::end(reserved_sections);
      std::string shown = section_form(name, v);
      if (reserved)
        diag_.add(k.source(), "section " + shown + " is reserved for a later release and not supported yet");
      else if (v.is_table() || v.is_array_of_tables())
        diag_.add(k.source(), "unknown section " + shown + "; expected one of: " + std::string(known_sections));
      else
        diag_.add(k.source(), "unknown key '" + name + "' at the top level; keys belong in a section: "
                                + std::string(known_sections));
    }

    const auto* network = doc.get("network");
    if (!network)
      diag_.add(file_position{diag_.file(), 1, 1}, "missing section [network]: a network needs a name and a genesis");
    else if (const auto* t = network->as_table())
      read_network(*t);
    else
      diag_.add(network->source(), "'network' must be a table, written [network], not "
                                     + std::string(type_phrase(network->type())));

    for (const auto* t : tables_of(doc, "nodes", "a network needs at least one node"))
      read_node(*t);
    for (const auto* t : tables_of(doc, "delegates", "a network needs at least one delegate"))
      read_delegate(*t);
    for (const auto* t : tables_of(doc, "accounts", {}))
      read_account(*t);

    if (const auto* http = doc.get("http")) {
      if (const auto* t = http->as_table())
        read_http(*t);
      else
        for (const auto* e : tables_of(doc, "http", {}))
          read_http(*e);
    }

    for (const auto& n : out_.nodes)
      out_.mainchain_nodes.push_back(n.name);
    for (const auto* t : tables_of(doc, "chains", {}))
      read_chain(*t);
    check_mainchain_delegates();
    for (const auto* t : tables_of(doc, "bridges", {}))
      detail::read_bridge(diag_, *t, out_, base_);
    if (const auto* cache = doc.get("cache")) {
      if (const auto* t = cache->as_table())
        detail::read_cache(diag_, *t, out_);
      else
        diag_.add(cache->source(), "'cache' must be a table, written [cache], not "
                                     + std::string(type_phrase(cache->type())));
    }
  }


  std::vector<const toml::table*> tables_of(const toml::table& doc, std::string_view name,
                                            std::string_view required_because) {
    return detail::tables_of(diag_, doc, name, required_because);
  }

  // [network] ------------------------------------------------------------------------------------

  void read_network(const toml::table& t) {
    table_reader r(diag_, t, "[network]", {"name", "chain_id", "genesis_file", "genesis"});
    if (auto v = r.identifier("name", presence::required))
      out_.network.name = *v;
    if (auto v = r.integer("chain_id", presence::optional, 1, max_u32))
      out_.network.chain = static_cast<chain_id>(*v);
    const auto* file = r.find("genesis_file");
    const auto* inline_params = r.find("genesis");
    if (file && inline_params) {
      diag_.add(inline_params->source(), "[network] has both 'genesis_file' and [network.genesis]; "
                                         "give exactly one of them");
    } else if (!file && !inline_params) {
      r.missing("genesis_file", "a genesis file path, or the genesis parameters in [network.genesis]");
    } else if (file) {
      genesis_file_mode_ = true;
      if (auto v = r.text("genesis_file", presence::required, "a path to a genesis JSON file")) {
        out_.network.genesis_file = resolve(*v);
        inputs_.push_back({out_.network.genesis_file, diag_.position(file->source()), "genesis file", {}});
      }
    } else if (const auto* g = inline_params->as_table()) {
      read_genesis(*g);
    } else {
      r.wrong_type("genesis", *inline_params, "a table, written [network.genesis]");
    }
    r.finish();
  }

  void read_genesis(const toml::table& t) {
    table_reader r(diag_, t, "[network.genesis]",
                   {"categories", "genesis_time_ms", "slot_ms", "rounds_per_epoch", "min_bid", "work_bits",
                    "block_reward", "base_block_txs", "miss_limit", "registry_authority", "peg"});
    inline_genesis g;
    auto& p = g.params;
    auto take = [](auto opt, auto& field) {
      if (opt)
        field = static_cast<std::remove_reference_t<decltype(field)>>(*opt);
      return opt.has_value();
    };
    read_categories(r, p.categories);

    constexpr std::string_view time_what =
      "a time in milliseconds since 1970-01-01 UTC, or \"auto\" (fixed when the network first starts)";
    if (const auto* v = r.find("genesis_time_ms")) {
      if (const auto* s = v->as_string()) {
        if (s->get() == "auto")
          g.auto_genesis_time = true;
        else
          r.bad_value("genesis_time_ms", *v, time_what, "\"" + s->get() + "\"");
      } else if (const auto* i = v->as_integer()) {
        if (i->get() < 0)
          r.bad_value("genesis_time_ms", *v, time_what, std::to_string(i->get()));
        else
          p.genesis_time_ms = static_cast<std::uint64_t>(i->get());
      } else {
        r.wrong_type("genesis_time_ms", *v, time_what);
      }
    } else {
      r.missing("genesis_time_ms", time_what);
    }
    take(r.integer("slot_ms", presence::required, min_slot_ms, max_slot_ms), p.slot_ms);
    take(r.integer("rounds_per_epoch", presence::required, 1, max_rounds_per_epoch), p.rounds_per_epoch);
    min_bid_known_ = take(r.amount_of("min_bid", presence::required), p.min_bid);
    take(r.integer("work_bits", presence::required, 0, max_work_bits), p.work_bits);
    take(r.amount_of("block_reward", presence::required), p.block_reward);
    take(r.integer("base_block_txs", presence::required, 1, max_base_block_txs), p.base_block_txs);
    take(r.integer("miss_limit", presence::required, 0, max_u32), p.miss_limit);
    if (const auto* v = r.find("registry_authority")) {
      constexpr std::string_view what =
        "64 hex digits of the registry authority's x-only public key, from bfd-cli key show FILE";
      if (auto text = r.text("registry_authority", presence::optional, what)) {
        auto parsed = hex32(*text);
        if (!parsed || !is_valid_public_key(*parsed))
          r.bad_value("registry_authority", *v, what, "\"" + *text + "\"");
        else
          g.registry_authority = *parsed;
      }
    }
    if (const auto* v = r.find("peg")) {
      if (!v->as_boolean())
        r.wrong_type("peg", *v, "true or false");
      else if ((g.peg = v->as_boolean()->get()) && !g.registry_authority)
        diag_.add(v->source(), "peg = true needs the sidechain registry: give registry_authority too");
    }
    r.finish();
    out_.network.genesis = std::move(g);
  }

  void read_categories(table_reader& parent, std::vector<category_params>& out) {
    constexpr std::string_view what = "an array of category tables, e.g. [{ name = \"gold\", compute_weight = 3 }]";
    const auto* v = parent.find("categories");
    if (!v) {
      parent.missing("categories", what);
      return;
    }
    const auto* a = v->as_array();
    if (!a) {
      parent.wrong_type("categories", *v, what);
      return;
    }
    if (a->empty()) {
      parent.bad_value("categories", *v, what, "an empty array");
      return;
    }
    std::map<std::string, file_position> seen;
    bool all_read = true;
    for (const auto& e : *a) {
      const auto* t = e.as_table();
      if (!t) {
        diag_.add(e.source(), "each entry of 'categories' in [network.genesis] must be a table "
                              "{ name = ..., compute_weight = ... }, not " + std::string(type_phrase(e.type())));
        all_read = false;
        continue;
      }
      table_reader r(diag_, *t, "a category of [network.genesis]",
                     {"name", "compute_weight", "max_new_per_epoch", "cluster_cap"});
      category_params c;
      auto name = r.identifier("name", presence::required);
      auto weight = r.integer("compute_weight", presence::required, 1, max_compute_weight);
      auto cap_new = r.integer("max_new_per_epoch", presence::optional, 0, max_u32);
      auto cap = r.integer("cluster_cap", presence::optional, 0, max_u32);
      r.finish();
      if (!name || !weight) {
        all_read = false;
        continue;
      }
      const auto at = diag_.position(t->get("name")->source());
      if (auto it = seen.find(*name); it != seen.end()) {
        diag_.add(at, "duplicate category name '" + *name + "' (first at line " + std::to_string(it->second.line)
                        + ")");
        all_read = false;
        continue;
      }
      seen.emplace(*name, at);
      c.name = *name;
      c.compute_weight = static_cast<std::uint32_t>(*weight);
      c.max_new_per_epoch = static_cast<std::uint32_t>(cap_new.value_or(0));
      c.cluster_cap = static_cast<std::uint32_t>(cap.value_or(0));
      out.push_back(std::move(c));
    }
    categories_known_ = all_read;
    if (!all_read)
      out.clear();
  }

  // [[nodes]] ------------------------------------------------------------------------------------

  void read_node(const toml::table& t) {
    table_reader r(diag_, t, "[[nodes]]", {"name", "host", "port", "data_dir", "tls"});
    node_spec n;
    n.where = diag_.position(t.source());
    auto name = r.identifier("name", presence::required);
    auto host = r.text("host", presence::required, "a host name or IP address");
    auto port = r.integer("port", presence::required, 1, 65535);
    auto data_dir = r.text("data_dir", presence::required, "a directory path");
    if (host && host->find_first_of(" \t\r\n") != std::string::npos) {
      r.bad_value("host", *r.find("host"), "a host name or IP address", "\"" + *host + "\"");
      host.reset();
    }
    if (const auto* tls = r.find("tls")) {
      if (const auto* tt = tls->as_table())
        n.tls = read_tls(*tt, name.value_or(""));
      else
        r.wrong_type("tls", *tls, "a table { cert = ..., key = ..., ca = ... }");
    }
    r.finish();
    if (name) {
      const auto at = diag_.position(t.get("name")->source());
      if (const auto* first = find_named(node_names_, *name))
        diag_.add(at, "duplicate node name '" + *name + "' (first at line " + std::to_string(first->where.line) + ")");
      else
        node_names_.push_back({*name, at});
      n.name = *name;
    }
    if (host && port) {
      const auto endpoint = lower(*host) + ":" + std::to_string(*port);
      const auto at = diag_.position(t.get("port")->source());
      if (const auto* first = find_named(endpoints_, endpoint))
        diag_.add(at, "node address " + *host + ":" + std::to_string(*port) + " is already used by the node at line "
                        + std::to_string(first->where.line) + "; every node needs its own host and port");
      else
        endpoints_.push_back({endpoint, n.where});
    }
    if (data_dir) {
      auto normal_path = fs::path(*data_dir).lexically_normal();
      if (!normal_path.has_filename() && normal_path.has_parent_path())
        normal_path = normal_path.parent_path();  // "data/a/" is "data/a"
      const auto normal = normal_path.string();
      const auto at = diag_.position(t.get("data_dir")->source());
      if (const auto* first = find_named(data_dirs_, normal))
        diag_.add(at, "data_dir \"" + *data_dir + "\" is already used by the node at line "
                        + std::to_string(first->where.line) + "; two nodes cannot share a database");
      else
        data_dirs_.push_back({normal, n.where});
      n.data_dir = *data_dir;
    }
    n.host = host.value_or("");
    n.port = static_cast<std::uint16_t>(port.value_or(0));
    out_.nodes.push_back(std::move(n));
  }

  std::optional<tls_files> read_tls(const toml::table& t, const std::string& node) {
    table_reader r(diag_, t, "'tls' of [[nodes]]", {"cert", "key", "ca"});
    auto cert = r.text("cert", presence::required, "a certificate file path (PEM)");
    auto key = r.text("key", presence::required, "a private key file path (PEM)");
    auto ca = r.text("ca", presence::required, "a CA certificate file path (PEM)");
    r.finish();
    if (!cert || !key || !ca)
      return std::nullopt;
    tls_files f{resolve(*cert), resolve(*key), resolve(*ca)};
    inputs_.push_back({f.cert, diag_.position(t.get("cert")->source()), "TLS certificate", {}});
    inputs_.push_back({f.key, diag_.position(t.get("key")->source()), "TLS key", node});
    inputs_.push_back({f.ca, diag_.position(t.get("ca")->source()), "TLS CA certificate", {}});
    return f;
  }

  // [[delegates]] --------------------------------------------------------------------------------

  void read_delegate(const toml::table& t) {
    table_reader r(diag_, t, "[[delegates]]",
                   {"node", "public_key", "hash_chain_tip", "key_file", "category", "bid"});
    delegate_spec d;
    d.where = diag_.position(t.source());
    d.key_file_where = d.where;
    auto node = r.text("node", presence::required, "the name of a node in [[nodes]]");
    read_public_key(r, d);
    read_hash_chain_tip(r, d);
    auto key_file = r.text("key_file", presence::optional, "a key file path (bfd-cli key new --delegate --out FILE)");
    if (genesis_file_mode_) {
      for (const char* k : {"category", "bid"})
        if (const auto* v = r.find(k))
          diag_.add(v->source(), "'" + std::string(k) + "' in [[delegates]] is not allowed with [network] "
                                 "genesis_file: the genesis file fixes every VM's category and bid");
    } else {
      auto category = r.text("category", presence::required, "the name of a category in [network.genesis]");
      auto bid = r.amount_of("bid", presence::required);
      if (category)
        check_category(d, *category, *r.find("category"));
      if (bid) {
        d.bid = *bid;
        const auto& p = out_.network.genesis;
        if (p && min_bid_known_ && *bid < p->params.min_bid)
          r.bad_value("bid", *r.find("bid"), "at least the genesis min_bid of " + format_amount(p->params.min_bid)
                                               + " BFDT", format_amount(*bid) + " BFDT");
      }
    }
    r.finish();
    if (node) {
      check_node_reference(*node, *r.find("node"), "delegate");
      d.node = *node;
    }
    if (key_file) {
      // Not an input file: only the node that runs this delegate has it (runtime/topology_node.cpp).
      d.key_file = resolve(*key_file);
      d.key_file_where = diag_.position(t.get("key_file")->source());
      if (const auto* first = find_named(key_files_, d.key_file))
        diag_.add(d.key_file_where, "key file \"" + *key_file + "\" is also used by the delegate at line "
                                      + std::to_string(first->where.line)
                                      + "; a delegate key must run in one place only, or it signs twice");
      else
        key_files_.push_back({d.key_file, d.key_file_where});
    }
    out_.delegates.push_back(std::move(d));
  }

  void read_public_key(table_reader& r, delegate_spec& d) {
    constexpr std::string_view what =
      "64 hex digits of the delegate's x-only public key, from bfd-cli key show --delegate FILE";
    const auto* v = r.find("public_key");
    auto text = r.text("public_key", presence::required, what);
    if (!text)
      return;
    d.public_key_where = diag_.position(v->source());
    auto parsed = hex32(*text);
    if (!parsed) {
      r.bad_value("public_key", *v, what, "\"" + *text + "\"");
      return;
    }
    d.key = *parsed;
    if (!is_valid_public_key(d.key)) {
      r.bad_value("public_key", *v, what, "\"" + *text + "\", which is not a secp256k1 x-coordinate");
      return;
    }
    const auto hex = to_hex(d.key);
    if (const auto* first = find_named(delegate_keys_, hex))
      diag_.add(v->source(), "public_key " + hex.substr(0, 16) + "... is also the key of the delegate at line "
                               + std::to_string(first->where.line)
                               + "; a delegate key must run in one place only, or it signs twice");
    else
      delegate_keys_.push_back({hex, d.where});
  }

  void read_hash_chain_tip(table_reader& r, delegate_spec& d) {
    constexpr std::string_view what =
      "64 hex digits of the delegate's hash-chain commitment, from bfd-cli key show --delegate FILE";
    const auto* v = r.find("hash_chain_tip");
    auto text = r.text("hash_chain_tip", presence::required, what);
    if (!text)
      return;
    d.hash_chain_tip_where = diag_.position(v->source());
    auto parsed = hex32(*text);
    if (!parsed) {
      r.bad_value("hash_chain_tip", *v, what, "\"" + *text + "\"");
      return;
    }
    d.hash_chain_tip = *parsed;
    // Tips come from secret seeds, so two equal ones are a copy-and-paste slip.
    const auto hex = to_hex(d.hash_chain_tip);
    if (const auto* first = find_named(delegate_tips_, hex))
      diag_.add(v->source(), "hash_chain_tip " + hex.substr(0, 16) + "... is also the tip of the delegate at line "
                               + std::to_string(first->where.line) + "; each delegate key has its own");
    else
      delegate_tips_.push_back({hex, d.where});
  }

  /// Exactly 64 hex digits (either case), without a prefix.
  static std::optional<hash256> hex32(const std::string& text) {
    if (text.size() != 64)
      return std::nullopt;
    auto parsed = fixed_from_hex<32>(text);
    if (!parsed)
      return std::nullopt;
    return *parsed;
  }

  void check_category(delegate_spec& d, const std::string& name, const toml::node& value) {
    const auto& g = out_.network.genesis;
    if (!g || !categories_known_)
      return;  // the genesis parameters have their own errors
    const auto& cats = g->params.categories;
    for (std::size_t i = 0; i < cats.size(); ++i) {
      if (cats[i].name == name) {
        d.category = name;
        d.category_index = static_cast<std::uint32_t>(i);
        return;
      }
    }
    std::vector<std::string> names;
    for (const auto& c : cats)
      names.push_back(c.name);
    diag_.add(value.source(), "unknown category '" + name + "'; expected one of: " + join(names));
  }

  void check_node_reference(const std::string& name, const toml::node& value, std::string_view who) {
    if (find_named(node_names_, name) || node_names_.empty())
      return;
    std::vector<std::string> names;
    for (const auto& n : node_names_)
      names.push_back(n.name);
    diag_.add(value.source(), "unknown node '" + name + "' for this " + std::string(who) + "; expected one of: "
                                + join(names));
  }

  // [[accounts]] ---------------------------------------------------------------------------------

  void read_account(const toml::table& t) {
    table_reader r(diag_, t, "[[accounts]]", {"address", "key_file", "amount"});
    account_spec a;
    a.where = diag_.position(t.source());
    if (genesis_file_mode_)
      diag_.add(t.source(), "[[accounts]] is not allowed with [network] genesis_file: the genesis file lists "
                            "the allocations");
    const auto* addr_node = r.find("address");
    const auto* key_node = r.find("key_file");
    if (addr_node && key_node) {
      diag_.add(key_node->source(), "[[accounts]] has both 'address' and 'key_file'; give exactly one of them");
    } else if (!addr_node && !key_node) {
      r.missing("address", "\"bfd\" followed by 40 hex digits, or a 'key_file' instead");
    } else if (addr_node) {
      constexpr std::string_view what = "an address: \"bfd\" followed by 40 hex digits";
      if (auto text = r.text("address", presence::required, what)) {
        if (auto parsed = parse_address(*text)) {
          a.address = *parsed;
          const auto at = diag_.position(addr_node->source());
          const auto key = format_address(*parsed);
          if (const auto* first = find_named(accounts_, key))
            diag_.add(at, "account " + key + " is already allocated at line " + std::to_string(first->where.line));
          else
            accounts_.push_back({key, at});
        } else {
          r.bad_value("address", *addr_node, what, "\"" + *text + "\"");
        }
      }
    } else if (auto file = r.text("key_file", presence::required, "a key file path")) {
      a.key_file = resolve(*file);
      const auto at = diag_.position(key_node->source());
      if (const auto* first = find_named(accounts_, a.key_file))
        diag_.add(at, "key file \"" + *file + "\" is already allocated at line " + std::to_string(first->where.line));
      else
        accounts_.push_back({a.key_file, at});
      inputs_.push_back({a.key_file, at, "key file", {}});
    }
    if (auto v = r.amount_of("amount", presence::required)) {
      if (*v == 0)
        r.bad_value("amount", *r.find("amount"), "more than 0", "0");
      a.value = *v;
    }
    r.finish();
    out_.accounts.push_back(std::move(a));
  }

  // [http] ---------------------------------------------------------------------------------------

  void read_http(const toml::table& t) {
    table_reader r(diag_, t, "[http]", {"node", "address", "port"});
    http_spec h;
    h.where = diag_.position(t.source());
    auto node = r.text("node", presence::required, "the name of a node in [[nodes]]");
    auto address = r.text("address", presence::optional, "an IP address or host name to listen on");
    auto port = r.integer("port", presence::required, 1, 65535);
    r.finish();
    if (address)
      h.address = *address;
    if (port)
      h.port = static_cast<std::uint16_t>(*port);
    if (node) {
      h.node = *node;
      check_node_reference(*node, *r.find("node"), "HTTP endpoint");
      if (const auto* first = find_named(http_nodes_, *node))
        diag_.add(r.find("node")->source(), "node '" + *node + "' already serves HTTP (line "
                                              + std::to_string(first->where.line) + "); one endpoint per node");
      else
        http_nodes_.push_back({*node, h.where});
    }
    if (port) {
      const auto at = diag_.position(r.find("port")->source());
      const auto endpoint = lower(h.address) + ":" + std::to_string(h.port);
      if (const auto* first = find_named(http_endpoints_, endpoint))
        diag_.add(at, "HTTP address " + h.address + ":" + std::to_string(h.port)
                        + " is already used by the endpoint at line " + std::to_string(first->where.line));
      else
        http_endpoints_.push_back({endpoint, at});
      // A node's CAF listener and its HTTP endpoint live in one process: they cannot share a port,
      // and no other node may listen where this endpoint does.
      const auto* served = node ? out_.find_node(*node) : nullptr;
      for (const auto& n : out_.nodes) {
        const bool same_process = served == &n && n.port == h.port;
        const bool same_endpoint = lower(n.host) == lower(h.address) && n.port == h.port;
        if (same_process || same_endpoint) {
          diag_.add(at, "HTTP port " + std::to_string(h.port) + " is the port of node '" + n.name + "' (line "
                          + std::to_string(n.where.line) + "); give the HTTP endpoint a port of its own");
          break;
        }
      }
    }
    out_.http.push_back(std::move(h));
  }

  // [[chains]] -----------------------------------------------------------------------------------

  void read_chain(const toml::table& t) {
    const auto* id_node = t.get("id");
    const auto* id_int = id_node ? id_node->as_integer() : nullptr;
    if (id_int && id_int->get() == static_cast<std::int64_t>(out_.network.chain)) {
      read_mainchain_entry(t);
      return;
    }
    table_reader r(diag_, t, "[[chains]]",
                   {"id", "kind", "name", "nodes", "token", "validators", "rule", "params", "delegates"});
    chain_topology_spec c;
    c.where = diag_.position(t.source());
    if (auto id = r.integer("id", presence::required, 1, max_u32)) {
      c.id = static_cast<chain_id>(*id);
      const auto key = std::to_string(c.id);
      if (const auto* first = find_named(chain_ids_, key))
        diag_.add(id_node->source(), "duplicate chain id " + key + " (first at line " + std::to_string(first->where.line)
                                       + ")");
      else
        chain_ids_.push_back({key, c.where});
    }
    constexpr std::string_view kind_what = "one of \"system_service\", \"daos\", \"ecosystem\", \"consortium\"";
    if (auto kind = r.text("kind", presence::required, kind_what)) {
      auto k = parse_chain_kind(*kind);
      if (!k || *k == chain_kind::mainchain)
        r.bad_value("kind", *r.find("kind"), std::string(kind_what)
                                               + (k ? " (the mainchain's entry has the network's chain_id, "
                                                      + std::to_string(out_.network.chain) + ")"
                                                    : ""),
                    "\"" + *kind + "\"");
      else
        c.kind = *k;
    }
    constexpr std::string_view name_what = "a name of at most 64 printable characters, e.g. \"fund exchange\"";
    if (auto name = r.text("name", presence::required, name_what)) {
      const bool printable = std::all_of(name->begin(), name->end(), [](char ch) {
        return static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f;
      });
      if (name->size() > 64 || !printable) {
        r.bad_value("name", *r.find("name"), name_what, "\"" + *name + "\"");
      } else {
        c.name = *name;
        const auto at = diag_.position(r.find("name")->source());
        if (const auto* first = find_named(chain_names_, *name))
          diag_.add(at, "duplicate chain name \"" + *name + "\" (first at line " + std::to_string(first->where.line)
                          + ")");
        else
          chain_names_.push_back({*name, at});
      }
    }
    c.nodes = read_node_list(r, c.nodes_where, "a sidechain");
    if (const auto* v = r.find("token")) {
      if (const auto* tt = v->as_table())
        read_token(*tt, c.token);
      else
        r.wrong_type("token", *v, "a table { symbol = \"...\", allocations = [...] }");
    }
    read_validators(r, c);
    read_rule(r, c);
    if (const auto* v = r.find("params")) {
      if (const auto* pt = v->as_table())
        read_chain_params(*pt, c);
      else
        r.wrong_type("params", *v, "a table { slot_ms = ..., ... }");
    }
    place_validators(r, c);
    r.finish();
    out_.chains.push_back(std::move(c));
  }

  /// The mainchain's own entry: which nodes host it (every node when there is no entry).
  void read_mainchain_entry(const toml::table& t) {
    table_reader r(diag_, t, "[[chains]] of the mainchain (id " + std::to_string(out_.network.chain) + ")",
                   {"id", "kind", "name", "nodes"});
    const auto at = diag_.position(t.source());
    if (mainchain_entry_) {
      diag_.add(at, "duplicate chain id " + std::to_string(out_.network.chain) + " (first at line "
                      + std::to_string(mainchain_entry_->line) + ")");
      return;
    }
    mainchain_entry_ = at;
    if (auto kind = r.text("kind", presence::optional, "\"mainchain\""); kind && *kind != "mainchain")
      r.bad_value("kind", *r.find("kind"), "\"mainchain\" (chain_id " + std::to_string(out_.network.chain)
                                             + " is the network's own chain)", "\"" + *kind + "\"");
    r.text("name", presence::optional);
    file_position where;
    auto nodes = read_node_list(r, where, "the mainchain");
    r.finish();
    if (!nodes.empty())
      out_.mainchain_nodes = std::move(nodes);
  }

  /// `nodes = ["a", "b"]`: known node names, each once, at least one.
  std::vector<std::string> read_node_list(table_reader& r, file_position& where, std::string_view what) {
    constexpr std::string_view list_what = "an array of node names, e.g. [\"a\", \"b\"]";
    std::vector<std::string> out;
    const auto* v = r.find("nodes");
    if (!v) {
      r.missing("nodes", std::string(list_what) + ": the nodes that host a replica of " + std::string(what));
      return out;
    }
    where = diag_.position(v->source());
    const auto* a = v->as_array();
    if (!a) {
      r.wrong_type("nodes", *v, list_what);
      return out;
    }
    if (a->empty()) {
      r.bad_value("nodes", *v, list_what, "an empty array");
      return out;
    }
    for (const auto& e : *a) {
      const auto* s = e.as_string();
      if (!s) {
        diag_.add(e.source(), "each entry of 'nodes' in " + r.context() + " must be a node name, not "
                                + std::string(type_phrase(e.type())));
        continue;
      }
      if (!find_named(node_names_, s->get())) {
        check_node_reference(s->get(), e, "chain");
        continue;
      }
      if (std::find(out.begin(), out.end(), s->get()) != out.end()) {
        diag_.add(e.source(), "node '" + s->get() + "' is listed twice in 'nodes'");
        continue;
      }
      out.push_back(s->get());
    }
    return out;
  }

  void read_token(const toml::table& t, token_rule& token) {
    table_reader r(diag_, t, "'token' of [[chains]]", {"symbol", "allocations"});
    constexpr std::string_view symbol_what = "\"BFDT\" (pegged BFDT) or the chain's own symbol: 2 to 12 capital "
                                             "letters or digits";
    auto symbol = r.text("symbol", presence::required, symbol_what);
    if (symbol) {
      const bool ok = symbol->size() >= 2 && symbol->size() <= 12
                      && std::all_of(symbol->begin(), symbol->end(),
                                     [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); });
      if (!ok) {
        r.bad_value("symbol", *r.find("symbol"), symbol_what, "\"" + *symbol + "\"");
        symbol.reset();
      } else {
        token.symbol = *symbol;
      }
    }
    const auto* v = r.find("allocations");
    r.finish();
    if (!symbol)
      return;
    if (token.pegged_bfdt()) {
      if (v)
        diag_.add(v->source(), "a chain of pegged BFDT has no genesis supply: BFDT arrives through the two-way peg; "
                               "remove 'allocations' or give the chain its own symbol");
      return;
    }
    constexpr std::string_view what = "an array of { address = \"bfd...\", amount = \"...\" }: the whole supply";
    if (!v) {
      r.missing("allocations", what);
      return;
    }
    const auto* a = v->as_array();
    if (!a || a->empty()) {
      if (a)
        r.bad_value("allocations", *v, what, "an empty array");
      else
        r.wrong_type("allocations", *v, what);
      return;
    }
    std::vector<named_at> seen;
    amount total = 0;
    for (const auto& e : *a) {
      const auto* et = e.as_table();
      if (!et) {
        diag_.add(e.source(), "each entry of 'allocations' must be a table { address = ..., amount = ... }, not "
                                + std::string(type_phrase(e.type())));
        continue;
      }
      table_reader er(diag_, *et, "an allocation of 'token'", {"address", "amount"});
      constexpr std::string_view addr_what = "an address: \"bfd\" followed by 40 hex digits";
      auto text = er.text("address", presence::required, addr_what);
      auto value = er.amount_of("amount", presence::required);
      er.finish();
      std::optional<bfd::address> addr;
      if (text) {
        if (auto parsed = parse_address(*text))
          addr = *parsed;
        else
          er.bad_value("address", *er.find("address"), addr_what, "\"" + *text + "\"");
      }
      if (value && *value == 0) {
        er.bad_value("amount", *er.find("amount"), "more than 0", "0");
        value.reset();
      }
      if (!addr || !value)
        continue;
      const auto at = diag_.position(er.find("address")->source());
      const auto key = format_address(*addr);
      if (const auto* first = find_named(seen, key)) {
        diag_.add(at, "account " + key + " is already allocated at line " + std::to_string(first->where.line));
        continue;
      }
      seen.push_back({key, at});
      auto sum = checked_add(total, *value);
      if (!sum) {
        diag_.add(at, "the token's supply overflows 64 bits of base units here");
        return;
      }
      total = *sum;
      token.allocations.push_back({*addr, *value});
    }
    std::sort(token.allocations.begin(), token.allocations.end(),
              [](const genesis_allocation& x, const genesis_allocation& y) { return x.to < y.to; });
  }

  void read_validators(table_reader& r, chain_topology_spec& c) {
    constexpr std::string_view what =
      "an array of { public_key = \"...\", hash_chain_tip = \"...\" }: mainchain delegates (bfd-cli key show "
      "--delegate FILE --chain ID prints an entry)";
    const auto* v = r.find("validators");
    if (!v) {
      r.missing("validators", what);
      return;
    }
    const auto* a = v->as_array();
    if (!a || a->empty()) {
      if (a)
        r.bad_value("validators", *v, what, "an empty array");
      else
        r.wrong_type("validators", *v, what);
      return;
    }
    std::vector<named_at> keys, tips;
    for (const auto& e : *a) {
      const auto* et = e.as_table();
      if (!et) {
        diag_.add(e.source(), "each entry of 'validators' must be a table { public_key = ..., hash_chain_tip = ... }, "
                              "not " + std::string(type_phrase(e.type())));
        continue;
      }
      table_reader er(diag_, *et, "a validator of [[chains]]", {"public_key", "hash_chain_tip"});
      chain_validator_spec val;
      val.where = diag_.position(et->source());
      auto key_text = er.text("public_key", presence::required, "64 hex digits of a [[delegates]] public_key");
      auto tip_text = er.text("hash_chain_tip", presence::required,
                              "64 hex digits: the delegate's hash-chain tip for this chain");
      er.finish();
      const delegate_spec* d = nullptr;
      if (key_text) {
        const auto* kv = er.find("public_key");
        auto parsed = hex32(*key_text);
        if (!parsed) {
          er.bad_value("public_key", *kv, "64 hex digits of a [[delegates]] public_key", "\"" + *key_text + "\"");
        } else {
          val.key = *parsed;
          const auto hex = to_hex(val.key);
          for (const auto& x : out_.delegates)
            if (x.key == val.key)
              d = &x;
          if (!d) {
            diag_.add(kv->source(), "public_key " + hex.substr(0, 16) + "... is not a [[delegates]] key: a sidechain's "
                                    "validators are mainchain genesis VMs");
          } else if (const auto* first = find_named(keys, hex)) {
            diag_.add(kv->source(), "public_key " + hex.substr(0, 16) + "... is already a validator of this chain "
                                    "(line " + std::to_string(first->where.line) + ")");
            d = nullptr;
          } else {
            keys.push_back({hex, diag_.position(kv->source())});
          }
        }
      }
      bool tip_ok = false;
      if (tip_text) {
        const auto* tv = er.find("hash_chain_tip");
        val.tip_where = diag_.position(tv->source());
        auto parsed = hex32(*tip_text);
        if (!parsed) {
          er.bad_value("hash_chain_tip", *tv, "64 hex digits: the delegate's hash-chain tip for this chain",
                       "\"" + *tip_text + "\"");
        } else {
          val.hash_chain_tip = *parsed;
          const auto hex = to_hex(val.hash_chain_tip);
          if (d && d->hash_chain_tip == val.hash_chain_tip) {
            diag_.add(tv->source(), "hash_chain_tip is this delegate's mainchain tip; each chain has its own: "
                                    "bfd-cli key show --delegate FILE --chain " + std::to_string(c.id) + " prints it");
          } else if (const auto* first = find_named(tips, hex)) {
            diag_.add(tv->source(), "hash_chain_tip " + hex.substr(0, 16) + "... is also the tip of the validator at "
                                    "line " + std::to_string(first->where.line) + "; each key has its own");
          } else {
            tips.push_back({hex, val.tip_where});
            tip_ok = true;
          }
        }
      }
      if (!d || !tip_ok)
        continue;
      val.category_index = d->category_index;
      val.node = d->node;  // the default placement, kept only if that node hosts the chain (place_validators)
      val.placed_where = val.where;
      c.validators.push_back(std::move(val));
    }
  }

  /// `rule = [1, 1, 0]`: validators per mainchain category; checked against `validators`.
  void read_rule(table_reader& r, chain_topology_spec& c) {
    const bool categories = out_.network.genesis && categories_known_;
    const std::size_t n = categories ? out_.network.genesis->params.categories.size() : 0;
    std::vector<std::uint32_t> counted(n, 0);
    for (const auto& v : c.validators)
      if (v.category_index < n)
        ++counted[v.category_index];
    const auto* v = r.find("rule");
    if (!v) {
      c.rule.per_category = counted;
      return;
    }
    const std::string what = "an array of validator counts, one per category of [network.genesis]"
                             + (categories ? " (" + std::to_string(n) + ")" : std::string());
    const auto* a = v->as_array();
    if (!a) {
      r.wrong_type("rule", *v, what);
      return;
    }
    if (genesis_file_mode_) {
      diag_.add(v->source(), "'rule' in [[chains]] is not allowed with [network] genesis_file: list the validators");
      return;
    }
    if (!categories)
      return;
    if (a->size() != n) {
      r.bad_value("rule", *v, what, std::to_string(a->size()) + " counts");
      return;
    }
    std::vector<std::uint32_t> rule;
    for (const auto& e : *a) {
      auto count = r.integer_value("rule", e, 0, max_u32);
      if (!count)
        return;
      rule.push_back(static_cast<std::uint32_t>(*count));
    }
    if (rule != counted) {
      std::vector<std::string> want, have;
      for (std::size_t i = 0; i < n; ++i) {
        want.push_back(std::to_string(rule[i]) + " " + out_.network.genesis->params.categories[i].name);
        have.push_back(std::to_string(counted[i]));
      }
      diag_.add(v->source(), "'rule' asks for " + join(want) + " validators, but 'validators' has " + join(have, ", ")
                               + " per category");
    }
    c.rule.per_category = std::move(rule);
  }

  void read_chain_params(const toml::table& t, chain_topology_spec& c) {
    table_reader r(diag_, t, "'params' of [[chains]]",
                   {"slot_ms", "rounds_per_epoch", "base_block_txs", "work_bits", "miss_limit", "anchor_interval"});
    if (auto v = r.integer("slot_ms", presence::optional, min_slot_ms, max_slot_ms))
      c.slot_ms = static_cast<std::uint64_t>(*v);
    if (auto v = r.integer("rounds_per_epoch", presence::optional, 1, max_rounds_per_epoch))
      c.rounds_per_epoch = static_cast<std::uint64_t>(*v);
    if (auto v = r.integer("base_block_txs", presence::optional, 1, max_base_block_txs))
      c.base_block_txs = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("work_bits", presence::optional, 0, max_work_bits))
      c.work_bits = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("miss_limit", presence::optional, 0, max_u32))
      c.miss_limit = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("anchor_interval", presence::optional, 1, registry_bounds::max_anchor_interval))
      c.anchor_interval = static_cast<std::uint64_t>(*v);
    r.finish();
  }

  /// Where each validator runs: the `delegates` override, else its mainchain node if that node
  /// hosts the chain, else nowhere.
  void place_validators(table_reader& r, chain_topology_spec& c) {
    if (const auto* v = r.find("delegates")) {
      const auto* t = v->as_table();
      if (!t) {
        r.wrong_type("delegates", *v, "a table { \"<public key hex>\" = \"<node>\" }");
      } else {
        for (auto&& [k, node] : *t) {
          const auto key_text = std::string(k.str());
          auto key = hex32(key_text);
          auto it = key ? std::find_if(c.validators.begin(), c.validators.end(),
                                       [&](const chain_validator_spec& x) { return x.key == *key; })
                        : c.validators.end();
          if (it == c.validators.end()) {
            diag_.add(k.source(), "'" + key_text + "' in 'delegates' is not the public_key of a validator of this "
                                  "chain");
            continue;
          }
          const auto* name = node.as_string();
          if (!name) {
            diag_.add(node.source(), "the node of a delegate in 'delegates' must be a node name, not "
                                       + std::string(type_phrase(node.type())));
            continue;
          }
          if (!find_named(node_names_, name->get())) {
            check_node_reference(name->get(), node, "delegate");
            continue;
          }
          if (!c.hosted_on(name->get())) {
            diag_.add(node.source(), "node '" + name->get() + "' does not host this chain (nodes = [" + quoted(c.nodes)
                                       + "]); a delegate runs beside a replica of its chain");
            continue;
          }
          it->node = name->get();
          it->placed_explicitly = true;
          it->placed_where = diag_.position(node.source());
        }
      }
    }
    for (auto& val : c.validators)
      if (!val.placed_explicitly && !c.hosted_on(val.node))
        val.node.clear();
  }

  /// A [[delegates]] entry runs a mainchain delegate: its node must host the mainchain.
  void check_mainchain_delegates() {
    if (!mainchain_entry_)
      return;
    for (const auto& d : out_.delegates)
      if (!d.node.empty() && !out_.hosts_mainchain(d.node))
        diag_.add(d.where, "this delegate runs on node '" + d.node + "', which does not host the mainchain (the "
                           "[[chains]] entry at line " + std::to_string(mainchain_entry_->line) + ")");
  }

  static std::string quoted(const std::vector<std::string>& names) {
    std::vector<std::string> q;
    for (const auto& n : names)
      q.push_back("\"" + n + "\"");
    return join(q);
  }

  // Whole-file checks ----------------------------------------------------------------------------

  /// The genesis supply (bids plus allocations) must fit in 64 bits.
  void check_supply() {
    amount total = 0;
    for (const auto& d : out_.delegates) {
      auto sum = checked_add(total, d.bid);
      if (!sum) {
        diag_.add(d.where, "the genesis supply (bids plus allocations) overflows 64 bits of base units here");
        return;
      }
      total = *sum;
    }
    for (const auto& a : out_.accounts) {
      auto sum = checked_add(total, a.value);
      if (!sum) {
        diag_.add(a.where, "the genesis supply (bids plus allocations) overflows 64 bits of base units here");
        return;
      }
      total = *sum;
    }
  }

  // Helpers --------------------------------------------------------------------------------------

  std::string resolve(const std::string& path) const {
    fs::path p(path);
    if (p.is_absolute() || base_.empty())
      return p.lexically_normal().string();
    return (base_ / p).lexically_normal().string();
  }

  static const named_at* find_named(const std::vector<named_at>& list, const std::string& name) {
    for (const auto& n : list)
      if (n.name == name)
        return &n;
    return nullptr;
  }

  diagnostics diag_;
  fs::path base_;
  topology out_;
  std::vector<input_file> inputs_;
  bool genesis_file_mode_ = false;
  bool categories_known_ = false;
  bool min_bid_known_ = false;
  std::vector<named_at> node_names_, endpoints_, data_dirs_, key_files_, delegate_keys_, delegate_tips_, accounts_,
    http_nodes_, http_endpoints_, chain_ids_, chain_names_;
  std::optional<file_position> mainchain_entry_;
};

result<topology> parse_with_inputs(std::string_view text, const std::string& source_name,
                                   std::vector<input_file>* inputs) {
  try {
    return topology_parser(source_name).run(text, inputs);
  } catch (const std::exception& e) {  // allocation failure or a toml++ surprise: never escapes
    return make_error(errc::invalid_argument, source_name + ": cannot load: " + e.what());
  }
}

} // namespace

result<topology> parse_topology(std::string_view text, const std::string& source_name) {
  return parse_with_inputs(text, source_name, nullptr);
}

result<topology> load_topology(const std::string& path, std::string_view node) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec)
    return make_error(errc::io, path + ": cannot read the topology file: " + ec.message());
  if (size > max_file_bytes)
    return make_error(errc::io, path + ": " + std::to_string(size) + " bytes is too large for a topology file (at most "
                                  + std::to_string(max_file_bytes) + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io, path + ": cannot read the topology file: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    return make_error(errc::io, path + ": cannot read the topology file");
  const auto text = buf.str();

  std::vector<input_file> inputs;
  auto t = parse_with_inputs(text, path, &inputs);
  if (!t)
    return t;
  diagnostics diag(path);
  for (const auto& f : inputs) {
    if (!node.empty() && !f.node.empty() && f.node != node)
      continue;  // another node's TLS private key: on its machine, not this one
    if (!fs::exists(f.path, ec))
      diag.add(f.where, f.what + " \"" + f.path + "\" does not exist");
    else if (fs::is_directory(f.path, ec))
      diag.add(f.where, f.what + " \"" + f.path + "\" is a directory, not a file");
  }
  if (!diag.empty())
    return diag.to_error();
  return t;
}

} // namespace bfd::config
