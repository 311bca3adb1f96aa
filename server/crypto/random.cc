#include "crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "common/status_macros.h"
#include "crypto/encoding.h"

namespace smd::crypto {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  // RAND_bytes takes an int length.
  for (size_t done = 0; done < n;) {
    int chunk = static_cast<int>(std::min<size_t>(n - done, INT_MAX));
    SMD_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), chunk) == 1);
    done += static_cast<size_t>(chunk);
  }
  return out;
}

std::string NewUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3f) | 0x80);  // variant 10
  std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace smd::crypto
