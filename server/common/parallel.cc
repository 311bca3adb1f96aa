#include "common/parallel.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace smd::common {

int CpuWorkers() {
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp<unsigned>(hw, 1, 4));
}

void ParallelFor(size_t n, int workers, size_t min_slice,
                 const std::function<void(size_t begin, size_t end)>& fn) {
  if (n == 0) return;
  size_t slices = std::max<size_t>(1, std::min<size_t>(workers < 1 ? 1 : workers,
                                                       n / std::max<size_t>(1, min_slice)));
  if (slices <= 1) {
    fn(0, n);
    return;
  }
  const size_t per = (n + slices - 1) / slices;
  std::vector<std::thread> threads;
  threads.reserve(slices - 1);
  for (size_t s = 1; s < slices; ++s) {
    const size_t b = s * per, e = std::min(n, b + per);
    if (b >= e) break;
    threads.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(0, std::min(n, per));
  for (auto& t : threads) t.join();
}

}  // namespace smd::common
