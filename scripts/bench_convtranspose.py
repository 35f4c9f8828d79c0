#!/usr/bin/env python3
"""ConvTranspose2d on the CPU: LibTorch's own kernel against genai's path (the input gradient of the matching
convolution, models/transposed_conv), forward + backward, for DCGAN's two layers at batch 64, NCHW and channels-last.
Run under each Python (Debian's python3-torch 1.13 and the pinned wheel's venv) to see which path a LibTorch needs."""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
print(torch.__version__)
B=64
for (cin,cout,h) in [(128,64,7),(64,1,14)]:
  for fmt in [torch.contiguous_format, torch.channels_last]:
    x=torch.randn(B,cin,h,h).to(memory_format=fmt).requires_grad_()
    w=(torch.randn(cin,cout,4,4)*0.02).requires_grad_()
    def native():
        y=F.conv_transpose2d(x,w,stride=2,padding=1); y.backward(torch.ones_like(y))
    def trick():
        out=torch.empty(B,cout,2*h,2*h).to(memory_format=fmt)
        y=torch.ops.aten.convolution_backward(x.detach(), out, w.detach(), None, [2,2],[1,1],[1,1],False,[0,0],1,[True,False,False])[0]
        g=torch.ones_like(y)
        gi=F.conv2d(g,w.detach(),stride=2,padding=1)
        gw=torch.ops.aten.convolution_backward(x.detach(), g, w.detach(), None, [2,2],[1,1],[1,1],False,[0,0],1,[False,True,False])[1]
    for name,f in [("native",native),("trick",trick)]:
        for _ in range(3): f()
        ts=[]
        for r in range(5):
            t=time.perf_counter()
            for _ in range(10): f()
            ts.append((time.perf_counter()-t)/10*1000)
        ts.sort()
        print(f"{cin}->{cout} {h}x{h} {'NHWC' if fmt==torch.channels_last else 'NCHW'} {name}: {ts[2]:.2f} ms")
