// Prints what it was built against; run under qemu-user by tests/cross.
#include <cstdio>
#include <thread>
#ifdef PROBE_LIBS
#include <gps.h>
#include <google/protobuf/stubs/common.h>
#include <mqtt/async_client.h>
#include <sqlite3.h>
#endif

int main() {
  // A thread: threaded programs are the ones a mismatched loader and libc hang.
  int answer = 0;
  std::thread t([&] { answer = 42; });
  t.join();
#ifdef PROBE_LIBS
  std::printf("probe %d sqlite %s protobuf %d gps-api %d.%d paho %s\n", answer, sqlite3_libversion(),
              GOOGLE_PROTOBUF_VERSION, GPSD_API_MAJOR_VERSION, GPSD_API_MINOR_VERSION, mqtt::VERSION_STR.c_str());
#else
  std::printf("probe %d\n", answer);
#endif
  return 0;
}
