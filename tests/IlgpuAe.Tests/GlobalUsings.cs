// What every test file speaks.
global using ILGPU;
global using IlgpuAe.Kernels;
global using Xunit;
