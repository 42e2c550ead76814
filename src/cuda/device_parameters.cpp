#include "cuda/device_parameters.h"

namespace longalign::cuda {

DeviceParameters DeviceParameters::view(float* base, const model::Parameters& layout) {
  const float* host = layout.data();
  auto move = [&](const float* p) { return p ? base + (p - host) : nullptr; };
  DeviceParameters d;
  d.data = base;
  d.size = layout.size();
  d.embed = move(layout.embed);
  d.final_norm = move(layout.final_norm);
  d.lm_head = move(layout.lm_head);
  for (const model::LayerParams& l : layout.layers) {
    d.layers.push_back({move(l.attn_norm), move(l.wqkv), move(l.bqkv), move(l.wo), move(l.mlp_norm),
                        move(l.w_gate_up), move(l.w_down)});
  }
  return d;
}

}  // namespace longalign::cuda
