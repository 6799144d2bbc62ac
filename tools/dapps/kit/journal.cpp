// The DApp journal (journal.hpp).
#include "tools/dapps/kit/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace bfd::dapps {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::uintmax_t max_journal_bytes = 1 << 20;
constexpr std::size_t max_entries = 1024;

status write_durably(const std::string& path, const std::string& text) {
  const auto tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return make_error(errc::io, tmp + ": cannot create");
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return make_error(errc::io, tmp + ": cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return make_error(errc::io, tmp + ": fsync failed");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::io, path + ": cannot rename the new journal into place");
  const auto dir = fs::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

} // namespace

result<journal> journal::open(const std::string& dir, const std::string& program) {
  journal j;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(errc::io, dir + ": " + ec.message());
  j.path_ = (fs::path(dir) / (program + ".journal.json")).string();
  if (!fs::exists(j.path_))
    return j;
  const auto size = fs::file_size(j.path_, ec);
  if (ec || size > max_journal_bytes)
    return make_error(errc::invalid_argument, j.path_ + ": unreadable or over 1 MiB");
  std::ifstream in(j.path_);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto doc = json::parse(text.str());
    if (doc.value("format", "") != "bfd-dapp-journal-1" || !doc.contains("requests") || !doc["requests"].is_array()
        || doc["requests"].size() > max_entries)
      return make_error(errc::invalid_argument, j.path_ + ": not a bfd-dapp-journal-1 file");
    for (const auto& e : doc["requests"]) {
      journal_entry r;
      r.request_id = e.at("request_id").get<std::string>();
      r.service = e.at("service").get<std::uint64_t>();
      r.contract = e.at("contract").get<std::string>();
      r.fund = e.at("fund").get<std::uint64_t>();
      r.value = e.at("value").get<std::uint64_t>();
      r.payload_hex = e.at("payload").get<std::string>();
      r.requester = e.at("requester").get<std::string>();
      r.stage = e.at("stage").get<std::string>();
      r.tx_id = e.value("tx", "");
      r.tx_hex = e.value("tx_hex", "");
      r.cancel_reason = e.value("cancel_reason", "");
      j.entries_.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    return make_error(errc::invalid_argument, j.path_ + ": " + e.what());
  }
  return j;
}

journal_entry* journal::find(const std::string& request_id) {
  for (auto& e : entries_)
    if (e.request_id == request_id)
      return &e;
  return nullptr;
}

void journal::drop(const std::string& request_id) {
  std::erase_if(entries_, [&](const journal_entry& e) { return e.request_id == request_id; });
}

status journal::save() const {
  json list = json::array();
  for (const auto& e : entries_)
    list.push_back({{"request_id", e.request_id}, {"service", e.service}, {"contract", e.contract},
                    {"fund", e.fund}, {"value", e.value}, {"payload", e.payload_hex},
                    {"requester", e.requester}, {"stage", e.stage}, {"tx", e.tx_id}, {"tx_hex", e.tx_hex},
                    {"cancel_reason", e.cancel_reason}});
  json doc{{"format", "bfd-dapp-journal-1"}, {"requests", list}};
  return write_durably(path_, doc.dump(2) + "\n");
}

} // namespace bfd::dapps
