using System.Numerics;
using System.Reflection;
using System.Text.Json;

namespace IlgpuAe.Models;

/// <summary>
/// Rebuilds a model from its kind and configuration JSON (what a model file stores). The built-in kinds are known;
/// a model of your own is registered once per process, before a file of its kind is loaded:
/// <code>ModelCatalog.Register&lt;float, AutoencoderOptions&gt;("code-penalty-ae", (device, options, seed) => new CodePenaltyAe(device, options, seed));</code>
/// The options are read back from <see cref="Model{T}.ConfigJson"/> with <see cref="ModelJson.Options"/>.
/// </summary>
public static class ModelCatalog
{
    static readonly string[] BuiltIn = ["ae", "dae", "sparse", "cae", "vae", "cvae", "iwae", "wae", "aae", "vqvae"];
    static readonly Dictionary<(string Kind, Type Element), Func<Device, string, ulong, object>> Registered = [];
    static readonly Lock Gate = new();

    /// <summary>Every kind <see cref="Create"/> knows: the built-in ones, then the registered ones in name order.</summary>
    public static IReadOnlyList<string> Kinds
    {
        get
        {
            lock (Gate) return [.. BuiltIn, .. Registered.Keys.Select(k => k.Kind).Distinct().Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Whether <paramref name="kind"/> is one of the engine's own models.</summary>
    public static bool IsBuiltIn(string kind) => BuiltIn.Contains(kind);

    /// <summary>
    /// Makes files of <paramref name="kind"/> loadable as <c>Model&lt;T&gt;</c>: <paramref name="factory"/> gets the device, the
    /// options read from the stored configuration JSON, and the stored seed. Registering a kind again replaces its factory;
    /// a built-in kind or a kind that is empty or holds white space is refused (<see cref="IlgpuAeException"/>).
    /// </summary>
    public static void Register<T, TOptions>(string kind, Func<Device, TOptions, ulong, Model<T>> factory)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(factory);
        Register<T>(kind, (device, json, seed) => factory(device, ParseOptions<TOptions>(json, kind), seed));
    }

    /// <summary>As <see cref="Register{T, TOptions}"/>, for a factory that reads the configuration JSON itself.</summary>
    public static void Register<T>(string kind, Func<Device, string, ulong, Model<T>> factory)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(factory);
        CheckKindName(kind);
        if (IsBuiltIn(kind)) throw new IlgpuAeException($"'{kind}' is a built-in model kind: give your model a kind of its own (override Kind)");
        lock (Gate) Registered[(kind, typeof(T))] = (device, json, seed) => factory(device, json, seed);
    }

    /// <summary>Forgets the factories of <paramref name="kind"/> for every element type; true if there were any.</summary>
    public static bool Unregister(string kind)
    {
        lock (Gate)
        {
            var keys = Registered.Keys.Where(k => k.Kind == kind).ToList();
            foreach (var k in keys) Registered.Remove(k);
            return keys.Count > 0;
        }
    }

    /// <summary>
    /// The model of <paramref name="kind"/> from its <see cref="Model{T}.ConfigJson"/>; throws <see cref="IlgpuAeException"/> for a kind
    /// that is neither built in nor registered for T (the message says how to register it), or for invalid JSON or options.
    /// </summary>
    public static Model<T> Create<T>(Device device, string kind, string configJson, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case "ae": return new Autoencoder<T>(device, ParseOptions<AutoencoderOptions>(configJson, kind), seed);
            case "sparse": return new SparseAutoencoder<T>(device, ParseOptions<SparseOptions>(configJson, kind), seed);
            case "cae": return new ContractiveAutoencoder<T>(device, ParseOptions<ContractiveOptions>(configJson, kind), seed);
            case "dae": return new DenoisingAutoencoder<T>(device, ParseOptions<DenoisingOptions>(configJson, kind), seed);
            case "vae": return new Vae<T>(device, ParseOptions<VaeOptions>(configJson, kind), seed);
            case "cvae": return new Cvae<T>(device, ParseOptions<CvaeOptions>(configJson, kind), seed);
            case "iwae": return new Iwae<T>(device, ParseOptions<IwaeOptions>(configJson, kind), seed);
            case "wae": return new Wae<T>(device, ParseOptions<WaeOptions>(configJson, kind), seed);
            case "aae": return new AdversarialAutoencoder<T>(device, ParseOptions<AaeOptions>(configJson, kind), seed);
            case "vqvae": return new VqVae<T>(device, ParseOptions<VqVaeOptions>(configJson, kind), seed);
        }
        Func<Device, string, ulong, object>? factory;
        string[] otherTypes;
        lock (Gate)
        {
            Registered.TryGetValue((kind, typeof(T)), out factory);
            otherTypes = Registered.Keys.Where(k => k.Kind == kind).Select(k => ElementName(k.Element)).ToArray();
        }
        if (factory is null)
        {
            string element = ElementName(typeof(T));
            throw new IlgpuAeException(otherTypes.Length > 0
                ? $"model kind '{kind}' is registered for {string.Join(" and ", otherTypes)} models, not {element}: register it with " +
                  $"ModelCatalog.Register<{element}, TOptions>(\"{kind}\", (device, options, seed) => new YourModel(device, options, seed))"
                : $"unknown model kind '{kind}' (known: {string.Join(", ", Kinds)}): a model of your own is registered before loading, " +
                  $"ModelCatalog.Register<{element}, TOptions>(\"{kind}\", (device, options, seed) => new YourModel(device, options, seed))");
        }
        var model = factory(device, configJson, seed);
        if (model is not Model<T> typed) throw new IlgpuAeException($"the factory of model kind '{kind}' returned nothing");
        if (typed.Kind != kind)
        {
            string made = typed.Kind;
            typed.Dispose();
            throw new IlgpuAeException($"the factory registered for model kind '{kind}' built a model of kind '{made}'");
        }
        return typed;
    }

    /// <summary>Reads options of <typeparamref name="TOptions"/> from configuration JSON as model files store it (snake_case, enums by name).</summary>
    public static TOptions ParseOptions<TOptions>(string configJson, string kind = "model")
    {
        try
        {
            return JsonSerializer.Deserialize<TOptions>(configJson, ModelJson.Options)
                ?? throw new IlgpuAeException($"the {kind} configuration is empty");
        }
        catch (JsonException e)
        {
            throw new IlgpuAeException($"the {kind} configuration is not valid JSON for {typeof(TOptions).Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Refuses to save a model that would come back as something else: a subclass that does not override
    /// <see cref="Model{T}.Kind"/> (it would be written under its parent's kind and rebuilt as the parent), or a class
    /// that claims a built-in kind it is not.
    /// </summary>
    public static void CheckSavable<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var type = model.GetType();
        var declaring = type.GetProperty(nameof(Model<T>.Kind), BindingFlags.Public | BindingFlags.Instance)!.GetMethod!.DeclaringType!;
        string kind = model.Kind;
        CheckKindName(kind);
        if (declaring != type)
            throw new IlgpuAeException(
                $"{Name(type)} does not declare a model kind of its own, so it would be saved as '{kind}' ({Name(declaring)}) and come back as one: " +
                $"override Kind (public override string Kind => \"my-model\";) and register it with ModelCatalog.Register before loading");
        if (IsBuiltIn(kind) && BuiltInType(kind) != (type.IsGenericType ? type.GetGenericTypeDefinition() : type))
            throw new IlgpuAeException($"{Name(type)} declares the built-in model kind '{kind}': give it a kind of its own");
    }

    static Type BuiltInType(string kind) => kind switch
    {
        "ae" => typeof(Autoencoder<>),
        "sparse" => typeof(SparseAutoencoder<>),
        "cae" => typeof(ContractiveAutoencoder<>),
        "dae" => typeof(DenoisingAutoencoder<>),
        "vae" => typeof(Vae<>),
        "iwae" => typeof(Iwae<>),
        "wae" => typeof(Wae<>),
        "aae" => typeof(AdversarialAutoencoder<>),
        "vqvae" => typeof(VqVae<>),
        _ => typeof(Cvae<>),
    };

    static string ElementName(Type t) => t == typeof(float) ? "float" : t == typeof(double) ? "double" : t.Name;

    static void CheckKindName(string kind)
    {
        if (string.IsNullOrWhiteSpace(kind) || kind.Any(char.IsWhiteSpace))
            throw new IlgpuAeException($"a model kind must be a non-empty name without spaces, got '{kind}'");
    }

    /// <summary>"Vae&lt;float&gt;" rather than "Vae`1".</summary>
    static string Name(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(ElementName))}>"
        : type.Name;
}
