using System.Text;
using System.Text.Json.Nodes;

namespace Dataplane.Cli.Templates;

/// <summary>
/// A Go text/template (the subset docker's --format users write) over JSON data, which it sees as Go
/// sees JSON decoded into interface{}: `{{.A.B}}`, `{{json .X}}`, `{{range}}`, `{{index .M "k"}}`,
/// `{{if}}`, `{{with}}`, variables, pipes, and docker's template functions.
/// </summary>
public sealed class GoTemplate
{
    private readonly IReadOnlyList<Node> _nodes;

    private GoTemplate(IReadOnlyList<Node> nodes) => _nodes = nodes;

    public static GoTemplate Parse(string text) => new(TemplateParser.Parse(text));

    public string Execute(JsonNode? data)
    {
        var sb = new StringBuilder();
        var scope = new Dictionary<string, object?> { ["$"] = data };
        Write(sb, _nodes, data, scope);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, IReadOnlyList<Node> nodes, object? dot, Dictionary<string, object?> scope)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    sb.Append(text.Text);
                    break;
                case ActionNode action:
                    var value = Evaluate(action.Pipeline, dot, scope);
                    if (action.Pipeline.Variables.Count == 0)
                        sb.Append(GoValues.Print(value));
                    break;
                case IfNode branch:
                    var test = Evaluate(branch.Pipeline, dot, scope);
                    if (GoValues.Truth(test))
                        Write(sb, branch.Body, branch.With ? test : dot, new Dictionary<string, object?>(scope));
                    else
                        Write(sb, branch.Else, dot, new Dictionary<string, object?>(scope));
                    break;
                case RangeNode range:
                    WriteRange(sb, range, dot, scope);
                    break;
            }
        }
    }

    private static void WriteRange(StringBuilder sb, RangeNode range, object? dot, Dictionary<string, object?> scope)
    {
        var source = GoValues.Normalize(EvaluateCommands(range.Pipeline, dot, scope));
        var pairs = source is JsonObject map
            ? map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ((object?)p.Key, (object?)p.Value)).ToList()
            : TemplateFunctions.Items(source).Select((v, i) => ((object?)(long)i, v)).ToList();
        if (pairs.Count == 0)
        {
            Write(sb, range.Else, dot, scope);
            return;
        }
        var vars = range.Pipeline.Variables;
        foreach (var (key, value) in pairs)
        {
            var inner = new Dictionary<string, object?>(scope);
            if (vars.Count == 1)
                inner[vars[0]] = value;
            else if (vars.Count == 2)
                (inner[vars[0]], inner[vars[1]]) = (key, value);
            Write(sb, range.Body, value, inner);
        }
    }

    /// <summary>The pipeline's value; a declaration (`$x := ...`) also binds it in scope.</summary>
    private static object? Evaluate(Pipeline pipeline, object? dot, Dictionary<string, object?> scope)
    {
        var value = EvaluateCommands(pipeline, dot, scope);
        foreach (var name in pipeline.Variables)
            scope[name] = value;
        return value;
    }

    private static object? EvaluateCommands(Pipeline pipeline, object? dot, Dictionary<string, object?> scope)
    {
        object? piped = null;
        bool hasPiped = false;
        foreach (var command in pipeline.Commands)
        {
            piped = EvaluateCommand(command, dot, scope, hasPiped ? piped : null, hasPiped);
            hasPiped = true;
        }
        return piped;
    }

    private static object? EvaluateCommand(TemplateCommand command, object? dot, Dictionary<string, object?> scope, object? piped, bool hasPiped)
    {
        if (command.Operands[0] is FunctionOperand function)
        {
            var args = command.Operands.Skip(1).Select(o => EvaluateOperand(o, dot, scope)).ToList();
            if (hasPiped)
                args.Add(piped);
            return TemplateFunctions.Call(function.Name, args);
        }
        if (command.Operands.Count > 1 || hasPiped)
            throw new TemplateException("template: can't give argument to non-function");
        return EvaluateOperand(command.Operands[0], dot, scope);
    }

    private static object? EvaluateOperand(Operand operand, object? dot, Dictionary<string, object?> scope) => operand switch
    {
        LiteralOperand literal => literal.Value,
        FieldOperand field => Walk(field.Variable is null ? dot : Variable(scope, field.Variable), field.Path),
        PipelineOperand inner => Walk(EvaluateCommands(inner.Pipeline, dot, scope), inner.Path),
        FunctionOperand function when TemplateFunctions.Exists(function.Name) => TemplateFunctions.Call(function.Name, []),
        FunctionOperand function => throw new TemplateException($"template: function \"{function.Name}\" not defined"),
        _ => null,
    };

    private static object? Variable(Dictionary<string, object?> scope, string name) =>
        scope.TryGetValue(name, out var value) ? value : throw new TemplateException($"template: undefined variable: {name}");

    /// <summary>Map lookups along the path; a missing key is "no value", a field of nil an error, as in Go.</summary>
    private static object? Walk(object? start, IReadOnlyList<string> path)
    {
        object? current = start;
        foreach (var name in path)
        {
            current = GoValues.Normalize(current) switch
            {
                JsonObject o => o.TryGetPropertyValue(name, out var v) ? v : NoValue.Instance,
                null or NoValue => throw new TemplateException($"template: nil pointer evaluating interface {{}}.{name}"),
                var other => throw new TemplateException($"template: can't evaluate field {name} in type {GoValues.Print(other)}"),
            };
        }
        return current;
    }
}
