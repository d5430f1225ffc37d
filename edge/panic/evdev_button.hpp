#pragma once
// The panic button as a Linux input device (gpio-keys): reads struct input_event records and watches one key code.
#include <string>

#include "edge/panic/button_reader.hpp"

namespace fleetlink::edge {

class EvdevButton final : public ButtonReader {
 public:
  EvdevButton(std::string device, int key_code, std::chrono::milliseconds debounce, std::chrono::milliseconds hold,
              PressHandler on_press);
  ~EvdevButton() override;

 private:
  int openSource() override;
  void closeSource() override;
  ReadResult readLevels(std::vector<Level>& levels) override;

  std::string device_;
  int key_code_;
  int fd_ = -1;
  std::string partial_;  // an input_event split across reads
};

}  // namespace fleetlink::edge
