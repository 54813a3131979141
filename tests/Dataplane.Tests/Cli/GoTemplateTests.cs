using System.Text.Json.Nodes;
using Dataplane.Cli.Templates;

namespace Dataplane.Tests.Cli;

/// <summary>
/// Our Go text/template subset against what Go's text/template prints for the same template over JSON
/// decoded into interface{} (docker inspect's raw fallback). Expected values follow Go's fmt %v rules.
/// </summary>
public class GoTemplateTests
{
    private static readonly JsonNode Data = JsonNode.Parse("""
        {
          "Id": "abc123",
          "Name": "/web",
          "State": { "Status": "running", "Running": true, "Pid": 4242, "ExitCode": 0 },
          "Config": { "Env": ["A=1", "B=2"], "Cmd": ["sleep", "100"], "ExposedPorts": { "80/tcp": {} } },
          "NetworkSettings": {
            "IPAddress": "172.17.0.2",
            "Ports": { "80/tcp": [{ "HostIp": "0.0.0.0", "HostPort": "8080" }], "5000/tcp": null },
            "Networks": {
              "lab": { "IPAddress": "10.1.0.2", "MacAddress": "02:42:0a:01:00:02" },
              "bridge": { "IPAddress": "172.17.0.2", "MacAddress": "02:42:ac:11:00:02" }
            }
          },
          "Empty": [],
          "Html": "<a&b>"
        }
        """)!;

    [Theory]
    [InlineData("{{.Id}}", "abc123")]
    [InlineData("{{.NetworkSettings.IPAddress}}", "172.17.0.2")]
    [InlineData("{{ .Name }}", "/web")]
    [InlineData("{{.State.Pid}} {{.State.Running}} {{.State.ExitCode}}", "4242 true 0")]
    [InlineData("{{.Missing}}", "<no value>")]
    [InlineData("{{.NetworkSettings.Ports}}", "map[5000/tcp:<nil> 80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]]")]
    [InlineData("{{.Config.Env}}", "[A=1 B=2]")]
    [InlineData("{{json .Config.Cmd}}", "[\"sleep\",\"100\"]")]
    [InlineData("{{json .Html}}", "\"<a&b>\"")]
    [InlineData("{{json .State}}", "{\"Status\":\"running\",\"Running\":true,\"Pid\":4242,\"ExitCode\":0}")]
    [InlineData("{{range .Config.Env}}{{.}};{{end}}", "A=1;B=2;")]
    [InlineData("{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}", "bridge=172.17.0.2 lab=10.1.0.2 ")]
    [InlineData("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "172.17.0.210.1.0.2")]
    [InlineData("{{range .Empty}}x{{else}}none{{end}}", "none")]
    [InlineData("{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}", "8080")]
    [InlineData("{{index .NetworkSettings.Networks \"lab\"}}", "map[IPAddress:10.1.0.2 MacAddress:02:42:0a:01:00:02]")]
    [InlineData("{{(index .NetworkSettings.Networks \"lab\").MacAddress}}", "02:42:0a:01:00:02")]
    [InlineData("{{if .State.Running}}up{{else}}down{{end}}", "up")]
    [InlineData("{{if eq .State.Status \"exited\"}}x{{else if eq .State.Status \"running\"}}r{{end}}", "r")]
    [InlineData("{{with .State}}{{.Status}}{{end}}", "running")]
    [InlineData("{{.Name | upper}}", "/WEB")]
    [InlineData("{{join .Config.Env \",\"}}", "A=1,B=2")]
    [InlineData("{{len .Config.Env}}", "2")]
    [InlineData("a{{println}}b", "a\nb")]
    [InlineData("{{println .Id .Name}}", "abc123 /web\n")]
    [InlineData("{{printf \"%s:%d\" .Id .State.Pid}}", "abc123:4242")]
    [InlineData("{{- .Id -}}  \n  {{.Name}}", "abc123/web")]
    [InlineData("x {{/* a comment */}}y", "x y")]
    [InlineData("{{$n := .Name}}{{$n}}", "/web")]
    [InlineData("{{split .Id \"c\"}}", "[ab 123]")]
    [InlineData("{{truncate .Id 3}}", "abc")]
    [InlineData("{{lower \"AB\"}}{{title \"ab cd\"}}", "abAb Cd")]
    [InlineData("{{.}}", "map[Config:map[Cmd:[sleep 100] Env:[A=1 B=2] ExposedPorts:map[80/tcp:map[]]] Empty:[] Html:<a&b> Id:abc123 Name:/web NetworkSettings:map[IPAddress:172.17.0.2 Networks:map[bridge:map[IPAddress:172.17.0.2 MacAddress:02:42:ac:11:00:02] lab:map[IPAddress:10.1.0.2 MacAddress:02:42:0a:01:00:02]] Ports:map[5000/tcp:<nil> 80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]]] State:map[ExitCode:0 Pid:4242 Running:true Status:running]]")]
    public void Execute_GoTemplateSubset_PrintsAsGo(string template, string expected) =>
        Assert.Equal(expected, GoTemplate.Parse(template).Execute(Data));

    [Theory]
    [InlineData("{{.Id")]
    [InlineData("{{range .Config.Env}}x")]
    [InlineData("{{end}}")]
    [InlineData("{{nosuch .Id}}")]
    [InlineData("{{.Missing.Deeper}}")]
    [InlineData("{{\"unterminated}}")]
    public void ParseOrExecute_BadTemplate_TemplateException(string template) =>
        Assert.Throws<TemplateException>(() => GoTemplate.Parse(template).Execute(Data));
}
