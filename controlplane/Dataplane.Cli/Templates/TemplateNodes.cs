namespace Dataplane.Cli.Templates;

// The parse tree of a Go text/template, the subset docker's --format users write.

internal abstract record Node;

internal sealed record TextNode(string Text) : Node;

/// <summary>`{{pipeline}}`: its value printed.</summary>
internal sealed record ActionNode(Pipeline Pipeline) : Node;

/// <summary>`{{range [$k[, $v] :=] pipeline}}body{{else}}other{{end}}`.</summary>
internal sealed record RangeNode(Pipeline Pipeline, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else) : Node;

/// <summary>`{{if pipeline}}body{{else if ...}}...{{else}}other{{end}}`, and `with`, which also moves the dot.</summary>
internal sealed record IfNode(Pipeline Pipeline, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else, bool With) : Node;

/// <summary>Commands joined by `|`, optionally declaring variables (`$v := ...`, `$k, $v := ...` in range).</summary>
internal sealed record Pipeline(IReadOnlyList<string> Variables, IReadOnlyList<TemplateCommand> Commands);

/// <summary>A function call (`json .X`, `index .M "k"`) or a single operand.</summary>
internal sealed record TemplateCommand(IReadOnlyList<Operand> Operands);

internal abstract record Operand;

/// <summary>`.`, `.A.B`, `$`, `$v.A.B`: a starting point and a chain of field names.</summary>
internal sealed record FieldOperand(string? Variable, IReadOnlyList<string> Path) : Operand;

internal sealed record LiteralOperand(object? Value) : Operand;

internal sealed record FunctionOperand(string Name) : Operand;

internal sealed record PipelineOperand(Pipeline Pipeline, IReadOnlyList<string> Path) : Operand;
