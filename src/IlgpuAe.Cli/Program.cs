using IlgpuAe.Cli;

return App.Run(args, Io.FromConsole());
