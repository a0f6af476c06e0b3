// What every benchmark file speaks.
global using BenchmarkDotNet.Attributes;
global using ILGPU;
global using ILGPU.Runtime;
global using IlgpuAe.Compute;
global using IlgpuAe.Kernels;
