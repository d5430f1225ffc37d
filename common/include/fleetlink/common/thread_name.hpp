#pragma once
// Names the calling thread (as `top -H`, `ps -L`, perf and gdb show it), so an operator can tell which part of
// a program is busy. Linux keeps 15 characters; longer names are cut.
#include <string_view>

namespace fleetlink {

void nameThisThread(std::string_view name);

}  // namespace fleetlink
