// [[bridges]] of a topology file: which nodes run the bridge of which (mainchain, sidechain) pair,
// checked against [network], [[nodes]] and [[chains]] (docs/topology.md).
#include <algorithm>

#include "config/toml_support.hpp"

namespace bfd::config::detail {

namespace {

std::string listed(const std::vector<std::string>& names) {
  return names.empty() ? "none" : join(names);
}

} // namespace

void read_bridge(diagnostics& diag, const toml::table& t, topology& out, const std::filesystem::path& base) {
  table_reader r(diag, t, "[[bridges]]", {"sidechain", "nodes", "key_file"});
  bridge_spec b;
  b.where = diag.position(t.source());
  if (out.network.genesis && !out.network.genesis->peg)
    diag.add(b.where, "a bridge carries peg messages, and this network has no peg: set peg = true in "
                      "[network.genesis]");
  const chain_topology_spec* chain = nullptr;
  if (auto id = r.integer("sidechain", presence::required, 1, 0xffff'ffff)) {
    std::vector<std::string> ids;
    for (const auto& c : out.chains) {
      ids.push_back(std::to_string(c.id));
      if (c.id == *id)
        chain = &c;
    }
    if (!chain)
      r.bad_value("sidechain", *r.find("sidechain"), "the id of a [[chains]] sidechain (" + listed(ids) + ")",
                  std::to_string(*id));
    else
      b.sidechain = chain->id;
  }
  constexpr std::string_view nodes_what = "an array of node names, e.g. [\"a\", \"b\"]: the nodes that run this bridge";
  if (const auto* v = r.find("nodes"); !v) {
    r.missing("nodes", nodes_what);
  } else if (const auto* a = v->as_array(); !a) {
    r.wrong_type("nodes", *v, nodes_what);
  } else if (a->empty()) {
    r.bad_value("nodes", *v, nodes_what, "an empty array");
  } else {
    for (const auto& e : *a) {
      const auto* s = e.as_string();
      if (!s) {
        diag.add(e.source(), "each entry of 'nodes' in [[bridges]] must be a node name, not "
                               + std::string(type_phrase(e.type())));
        continue;
      }
      const auto& name = s->get();
      if (!out.find_node(name)) {
        std::vector<std::string> names;
        for (const auto& n : out.nodes)
          names.push_back(n.name);
        diag.add(e.source(), "unknown node '" + name + "' for this bridge; expected one of: " + listed(names));
        continue;
      }
      if (std::find(b.nodes.begin(), b.nodes.end(), name) != b.nodes.end()) {
        diag.add(e.source(), "node '" + name + "' is listed twice in 'nodes'");
        continue;
      }
      // A bridge reads both chains' final blocks and submits to both mempools on its own node.
      if (!out.hosts_mainchain(name)) {
        diag.add(e.source(), "node '" + name + "' cannot run this bridge: it does not host the mainchain (nodes: "
                               + listed(out.mainchain_nodes) + ")");
        continue;
      }
      if (chain && !chain->hosted_on(name)) {
        diag.add(e.source(), "node '" + name + "' cannot run this bridge: it does not host chain "
                               + std::to_string(chain->id) + " (nodes: " + listed(chain->nodes) + ", line "
                               + std::to_string(chain->nodes_where.line) + ")");
        continue;
      }
      if (chain)
        for (const auto& other : out.bridges)
          if (other.sidechain == chain->id
              && std::find(other.nodes.begin(), other.nodes.end(), name) != other.nodes.end())
            diag.add(e.source(), "node '" + name + "' already runs the bridge of chain " + std::to_string(chain->id)
                                   + " (line " + std::to_string(other.where.line) + ")");
      b.nodes.push_back(name);
    }
  }
  constexpr std::string_view key_what = "a path to the bridge's key file (bfd-cli key new --out FILE)";
  if (auto file = r.text("key_file", presence::required, key_what)) {
    std::filesystem::path p(*file);
    b.key_file = (p.is_absolute() || base.empty() ? p : base / p).lexically_normal().string();
    b.key_file_where = r.at("key_file");
  }
  r.finish();
  out.bridges.push_back(std::move(b));
}

} // namespace bfd::config::detail
