// The topology's own queries (which node runs what), apart from the loader (topology.cpp).
#include "config/topology.hpp"

#include <algorithm>

namespace bfd::config {

std::string file_position::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const node_spec* topology::find_node(std::string_view name) const {
  for (const auto& n : nodes)
    if (n.name == name)
      return &n;
  return nullptr;
}

std::vector<std::size_t> topology::delegates_on(std::string_view node) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < delegates.size(); ++i)
    if (delegates[i].node == node)
      out.push_back(i);
  return out;
}

bool chain_topology_spec::hosted_on(std::string_view node) const {
  return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

bool topology::hosts_mainchain(std::string_view node) const {
  return std::find(mainchain_nodes.begin(), mainchain_nodes.end(), node) != mainchain_nodes.end();
}

std::vector<std::size_t> topology::chains_on(std::string_view node) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < chains.size(); ++i)
    if (chains[i].hosted_on(node))
      out.push_back(i);
  return out;
}

const http_spec* topology::http_on(std::string_view node) const {
  for (const auto& h : http)
    if (h.node == node)
      return &h;
  return nullptr;
}

std::vector<std::size_t> topology::bridges_on(std::string_view node) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < bridges.size(); ++i)
    if (std::find(bridges[i].nodes.begin(), bridges[i].nodes.end(), node) != bridges[i].nodes.end())
      out.push_back(i);
  return out;
}

} // namespace bfd::config
