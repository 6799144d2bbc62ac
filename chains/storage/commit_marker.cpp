#include "chains/storage/commit_marker.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "chains/core/hex.hpp"
#include "chains/storage/chain_store.hpp"

namespace bfd {

namespace {

// The file, text so an operator can read it:
//   bfd-commit-marker 1
//   sequence <write sequence>
//   chain <id> <final height> <final header hash, 64 hex>      (one line per chain)
constexpr const char* magic = "bfd-commit-marker 1";
constexpr const char* chain_space_prefix = "chain-";

error damaged(const std::string& path, const std::string& why) {
  return make_error(errc::storage_corrupt, "the commit marker " + path + " is damaged (" + why + ")");
}

error io_failure(const std::string& what, const std::string& path) {
  return make_error(errc::storage_io, what + " " + path + ": " + std::strerror(errno));
}

status sync_fd(int fd, const std::string& path) {
  if (::fsync(fd) != 0)
    return io_failure("cannot sync", path);
  return {};
}

bool parse_u64(const std::string& text, std::uint64_t& out) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  char* end = nullptr;
  auto v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  out = v;
  return true;
}

} // namespace

result<std::optional<commit_marker>> read_commit_marker(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::optional<commit_marker>{};
  std::ifstream in(path);
  if (!in)
    return io_failure("cannot read the commit marker", path);
  std::string line;
  if (!std::getline(in, line) || line != magic)
    return damaged(path, "first line is not '" + std::string(magic) + "'");
  commit_marker m;
  bool have_sequence = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind, a, b, c, extra;
    fields >> kind >> a >> b >> c >> extra;
    if (kind == "sequence" && !a.empty() && b.empty() && parse_u64(a, m.sequence) && !have_sequence) {
      have_sequence = true;
      continue;
    }
    std::uint64_t id = 0;
    commit_marker::chain_entry e;
    auto hash = fixed_from_hex<32>(c);
    if (kind == "chain" && extra.empty() && parse_u64(a, id) && id <= UINT32_MAX && parse_u64(b, e.height) && hash) {
      e.chain = static_cast<chain_id>(id);
      e.hash = *hash;
      m.chains.push_back(e);
      continue;
    }
    return damaged(path, "unexpected line '" + line + "'");
  }
  if (!have_sequence)
    return damaged(path, "no sequence line");
  return std::optional<commit_marker>{std::move(m)};
}

status write_commit_marker(const std::string& path, const commit_marker& marker,
                           const std::function<void(marker_step)>& step) {
  std::string text = std::string(magic) + "\nsequence " + std::to_string(marker.sequence) + "\n";
  for (const auto& e : marker.chains)
    text += "chain " + std::to_string(e.chain) + " " + std::to_string(e.height) + " " + to_hex(e.hash) + "\n";
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_failure("cannot create", tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto err = io_failure("cannot write", tmp);
      ::close(fd);
      return err;
    }
    done += static_cast<std::size_t>(n);
  }
  auto synced = sync_fd(fd, tmp);
  ::close(fd);
  if (!synced)
    return synced;
  if (step)
    step(marker_step::tmp_synced);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return io_failure("cannot rename " + tmp + " to", path);
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty())
    dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return io_failure("cannot open the directory", dir.string());
  auto dir_synced = sync_fd(dfd, dir.string());
  ::close(dfd);
  if (dir_synced && step)
    step(marker_step::renamed);
  return dir_synced;
}

result<commit_marker> current_marker(kv_store& store) {
  commit_marker m;
  m.sequence = store.write_sequence().value_or(0);
  for (const auto& space : store.spaces()) {
    if (space.rfind(chain_space_prefix, 0) != 0)
      continue;
    std::uint64_t id = 0;
    if (!parse_u64(space.substr(std::strlen(chain_space_prefix)), id) || id > UINT32_MAX)
      continue;
    auto cs = chain_store::open(store, static_cast<chain_id>(id));
    if (!cs)
      return cs.error();
    auto head = cs->head();
    if (!head)
      return head.error();
    if (*head)
      m.chains.push_back({static_cast<chain_id>(id), (*head)->height, (*head)->block_hash});
  }
  return m;
}

status check_commit_marker(kv_store& store, const commit_marker& marker, const std::string& marker_path,
                           const std::string& where) {
  auto lost = [&](const std::string& what) {
    return make_error(errc::storage_corrupt, "committed data is missing from the database in " + where + ": " + what
                                               + " (the commit marker " + marker_path
                                               + " was written after it was committed)");
  };
  if (auto seq = store.write_sequence(); seq && *seq < marker.sequence)
    return lost("it holds writes up to sequence " + std::to_string(*seq) + ", the marker records "
                + std::to_string(marker.sequence));
  for (const auto& e : marker.chains) {
    const std::string committed = "#" + std::to_string(e.height) + " " + to_hex(e.hash).substr(0, 16);
    const std::string space = chain_space_prefix + std::to_string(e.chain);
    const auto spaces = store.spaces();
    if (std::find(spaces.begin(), spaces.end(), space) == spaces.end())
      return lost("chain " + std::to_string(e.chain) + " is absent, the marker records final " + committed);
    auto cs = chain_store::open(store, e.chain);
    if (!cs)
      return cs.error();
    auto head = cs->head();
    if (!head)
      return head.error();
    if (!*head)
      return lost("chain " + std::to_string(e.chain) + " has no head, the marker records final " + committed);
    if ((*head)->height < e.height)
      return lost("chain " + std::to_string(e.chain) + " would resume at final #" + std::to_string((*head)->height)
                  + ", the marker records final " + committed);
    auto b = cs->block_at(e.height);
    if (!b)
      return b.error();
    if (!*b || header_hash((**b).header) != e.hash)
      return lost("chain " + std::to_string(e.chain) + " holds another block at #" + std::to_string(e.height)
                  + " than the committed " + committed);
  }
  return {};
}

marked_store::marked_store(std::shared_ptr<kv_store> inner, std::string path, std::uint32_t every)
  : inner_(std::move(inner)), path_(std::move(path)), every_(every == 0 ? 1 : every),
    updater_([this] { run_updates(); }) {}

marked_store::~marked_store() {
  (void) close();
}

status marked_store::write_ordered(const write_batch& batch) {
  // Not durable yet: it does not move the marker (which records durable writes only).
  return inner_->write_ordered(batch);
}

status marked_store::write(const write_batch& batch) {
  if (auto st = inner_->write(batch); !st)
    return st;
  bool chain_write = false;
  for (const auto& op : batch.ops())
    if (op.space.rfind(chain_space_prefix, 0) == 0) {
      chain_write = true;
      break;
    }
  if (!chain_write)
    return {};
  std::lock_guard guard{queue_mtx_};
  if (update_failure_)
    // The batch is committed; a marker that cannot be written is still a storage failure the
    // caller must hear of (the disk is failing), though it loses nothing.
    return make_error(update_failure_->code, "committed, but " + update_failure_->detail);
  if ((chain_writes_.fetch_add(1) + 1) % every_ == 0) {
    update_due_ = true;
    wake_.notify_one();
  }
  return {};
}

void marked_store::run_updates() {
  std::unique_lock lock{queue_mtx_};
  for (;;) {
    wake_.wait(lock, [this] { return update_due_ || stopping_; });
    if (stopping_)
      return;
    update_due_ = false;
    lock.unlock();
    auto st = update_marker();
    lock.lock();
    if (!st)
      update_failure_ = st.error();
  }
}

status marked_store::update_marker() {
  std::lock_guard guard{marker_mtx_};
  auto m = current_marker(*inner_);
  if (!m)
    return m.error();
  return write_commit_marker(path_, *m, step_);
}

status marked_store::close() {
  {
    std::lock_guard guard{queue_mtx_};
    stopping_ = true;
    wake_.notify_one();
  }
  if (updater_.joinable())
    updater_.join();
  if (auto st = inner_->close(); !st)
    return st;
  return update_marker();
}

} // namespace bfd
