using System.Globalization;
using System.Text;

namespace Dataplane.Cli.Templates;

/// <summary>A template that could not be parsed; the message follows Go's "template: ..." wording loosely.</summary>
public sealed class TemplateException(string message) : Exception(message);

/// <summary>
/// Parses Go's text/template syntax: text, `{{ }}` actions with `{{-`/`-}}` trimming, comments, pipelines,
/// fields, variables, string/number/bool literals, parenthesised pipelines, range/if/with/else/end.
/// </summary>
internal sealed class TemplateParser
{
    private readonly string _text;
    private int _pos;

    private TemplateParser(string text) => _text = text;

    public static IReadOnlyList<Node> Parse(string text)
    {
        var parser = new TemplateParser(text);
        var nodes = parser.ParseList(out string? end);
        if (end is not null)
            throw new TemplateException($"template: unexpected {{{{{end}}}}}");
        return nodes;
    }

    /// <summary>Nodes up to an `{{else}}`/`{{end}}` (returned in terminator) or the end of the text.</summary>
    private List<Node> ParseList(out string? terminator)
    {
        var nodes = new List<Node>();
        terminator = null;
        while (_pos < _text.Length)
        {
            int open = _text.IndexOf("{{", _pos, StringComparison.Ordinal);
            string text = open < 0 ? _text[_pos..] : _text[_pos..open];
            bool trimLeft = open >= 0 && open + 2 < _text.Length && _text[open + 2] == '-' && open + 3 < _text.Length && char.IsWhiteSpace(_text[open + 3]);
            if (trimLeft)
                text = text.TrimEnd();
            if (text.Length > 0)
                nodes.Add(new TextNode(text));
            if (open < 0)
            {
                _pos = _text.Length;
                break;
            }
            int close = FindClose(open + 2);
            string body = _text[(open + (trimLeft ? 3 : 2))..close];
            bool trimRight = body.EndsWith('-') && body.Length >= 2 && char.IsWhiteSpace(body[^2]);
            if (trimRight)
                body = body[..^1];
            _pos = close + 2;
            if (trimRight)
                while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
            body = body.Trim();
            if (body.StartsWith("/*", StringComparison.Ordinal))
                continue;
            var lexer = new Lexer(body);
            string? keyword = lexer.PeekWord();
            switch (keyword)
            {
                case "end":
                case "else":
                    lexer.Next();
                    terminator = keyword == "else" && lexer.PeekWord() is "if" or "with" ? "else " + lexer.Rest() : keyword;
                    return nodes;
                case "range":
                    lexer.Next();
                    nodes.Add(ParseRange(ParsePipeline(lexer)));
                    break;
                case "if":
                case "with":
                    lexer.Next();
                    nodes.Add(ParseIf(ParsePipeline(lexer), keyword == "with"));
                    break;
                default:
                    nodes.Add(new ActionNode(ParsePipeline(lexer)));
                    break;
            }
        }
        return nodes;
    }

    private int FindClose(int from)
    {
        bool quoted = false;
        for (int i = from; i < _text.Length - 1; i++)
        {
            char c = _text[i];
            if (c == '"' && (i == from || _text[i - 1] != '\\'))
                quoted = !quoted;
            else if (!quoted && c == '}' && _text[i + 1] == '}')
                return i;
        }
        throw new TemplateException("template: unclosed action");
    }

    private RangeNode ParseRange(Pipeline pipeline)
    {
        var body = ParseList(out string? end);
        IReadOnlyList<Node> other = [];
        if (end == "else")
            other = ParseList(out end);
        if (end != "end")
            throw new TemplateException("template: unexpected EOF in range");
        return new RangeNode(pipeline, body, other);
    }

    private IfNode ParseIf(Pipeline pipeline, bool with)
    {
        var body = ParseList(out string? end);
        IReadOnlyList<Node> other = [];
        if (end == "else")
            other = ParseList(out end);
        else if (end is not null && end.StartsWith("else ", StringComparison.Ordinal))
        {
            // `{{else if x}}` is `{{else}}{{if x}}...{{end}}` sharing the outer end.
            var inner = new Lexer(end[5..]);
            bool innerWith = inner.Next().Text == "with";
            other = [ParseIf(ParsePipeline(inner), innerWith)];
            return new IfNode(pipeline, body, other, with);
        }
        if (end != "end")
            throw new TemplateException($"template: unexpected EOF in {(with ? "with" : "if")}");
        return new IfNode(pipeline, body, other, with);
    }

    private static Pipeline ParsePipeline(Lexer lexer, bool nested = false)
    {
        var variables = new List<string>();
        int mark = lexer.Position;
        while (lexer.Peek() is { Kind: TokenKind.Variable } v)
        {
            lexer.Next();
            variables.Add(v.Text);
            var sep = lexer.Next();
            if (sep.Text == ",")
                continue;
            if (sep.Text is ":=" or "=")
                break;
            variables.Clear();
            lexer.Position = mark;
            break;
        }
        var commands = new List<TemplateCommand>();
        var operands = new List<Operand>();
        while (true)
        {
            var token = lexer.Peek();
            if (token.Kind == TokenKind.End || (nested && token.Text == ")"))
                break;
            lexer.Next();
            if (token.Text == "|")
            {
                commands.Add(MakeCommand(operands));
                operands = [];
                continue;
            }
            operands.Add(ParseOperand(token, lexer));
        }
        commands.Add(MakeCommand(operands));
        return new Pipeline(variables, commands);
    }

    private static TemplateCommand MakeCommand(List<Operand> operands) =>
        operands.Count == 0 ? throw new TemplateException("template: missing value for command") : new TemplateCommand(operands);

    private static Operand ParseOperand(Token token, Lexer lexer)
    {
        switch (token.Kind)
        {
            case TokenKind.Field:
                return new FieldOperand(null, SplitPath(token.Text));
            case TokenKind.Variable:
                int dot = token.Text.IndexOf('.');
                return dot < 0 ? new FieldOperand(token.Text, []) : new FieldOperand(token.Text[..dot], SplitPath(token.Text[dot..]));
            case TokenKind.String:
                return new LiteralOperand(token.Text);
            case TokenKind.Number:
                return new LiteralOperand(long.TryParse(token.Text, CultureInfo.InvariantCulture, out long n) ? (object)n : double.Parse(token.Text, CultureInfo.InvariantCulture));
            case TokenKind.Word when token.Text is "true" or "false":
                return new LiteralOperand(token.Text == "true");
            case TokenKind.Word when token.Text == "nil":
                return new LiteralOperand(null);
            case TokenKind.Word:
                return new FunctionOperand(token.Text);
            case TokenKind.Punct when token.Text == "(":
                var inner = ParsePipeline(lexer, nested: true);
                if (lexer.Next().Text != ")")
                    throw new TemplateException("template: unclosed left paren");
                var path = lexer.Peek() is { Kind: TokenKind.Field } f && f.Adjacent ? SplitPath(lexer.Next().Text) : [];
                return new PipelineOperand(inner, path);
            default:
                throw new TemplateException($"template: unexpected \"{token.Text}\" in command");
        }
    }

    private static List<string> SplitPath(string field) => [.. field.Split('.', StringSplitOptions.RemoveEmptyEntries)];

    private enum TokenKind { End, Field, Variable, String, Number, Word, Punct }

    private readonly record struct Token(TokenKind Kind, string Text, bool Adjacent = false);

    private sealed class Lexer(string text)
    {
        public int Position { get; set; }

        public string Rest() => text[Position..];

        public string? PeekWord() => Peek() is { Kind: TokenKind.Word } w ? w.Text : null;

        public Token Peek()
        {
            int saved = Position;
            var token = Next();
            Position = saved;
            return token;
        }

        public Token Next()
        {
            int start = Position;
            while (Position < text.Length && char.IsWhiteSpace(text[Position])) Position++;
            bool adjacent = Position == start;
            if (Position >= text.Length)
                return new Token(TokenKind.End, "");
            char c = text[Position];
            if (c == '"' || c == '`')
                return new Token(TokenKind.String, ReadString(c));
            if (c == '.' || c == '$')
            {
                int s = Position++;
                while (Position < text.Length && (char.IsLetterOrDigit(text[Position]) || text[Position] is '_' or '.')) Position++;
                return new Token(c == '.' ? TokenKind.Field : TokenKind.Variable, text[s..Position], adjacent);
            }
            if (char.IsDigit(c) || (c == '-' && Position + 1 < text.Length && char.IsDigit(text[Position + 1])))
            {
                int s = Position++;
                while (Position < text.Length && (char.IsDigit(text[Position]) || text[Position] == '.')) Position++;
                return new Token(TokenKind.Number, text[s..Position]);
            }
            if (char.IsLetter(c) || c == '_')
            {
                int s = Position;
                while (Position < text.Length && (char.IsLetterOrDigit(text[Position]) || text[Position] == '_')) Position++;
                return new Token(TokenKind.Word, text[s..Position]);
            }
            if (c == ':' && Position + 1 < text.Length && text[Position + 1] == '=')
            {
                Position += 2;
                return new Token(TokenKind.Punct, ":=");
            }
            Position++;
            return new Token(TokenKind.Punct, c.ToString());
        }

        private string ReadString(char quote)
        {
            var sb = new StringBuilder();
            Position++;
            while (Position < text.Length && text[Position] != quote)
            {
                char c = text[Position++];
                if (c == '\\' && quote == '"' && Position < text.Length)
                {
                    char e = text[Position++];
                    sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => e });
                }
                else
                {
                    sb.Append(c);
                }
            }
            if (Position >= text.Length)
                throw new TemplateException("template: unterminated quoted string");
            Position++;
            return sb.ToString();
        }
    }
}
