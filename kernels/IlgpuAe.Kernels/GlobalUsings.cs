// What every kernel file speaks: generic math and ILGPU.
global using System.Numerics;
global using ILGPU;
