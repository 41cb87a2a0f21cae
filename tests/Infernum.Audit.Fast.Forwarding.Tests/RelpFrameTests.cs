using System;
using System.Text;
using Infernum.Audit.Fast.Forwarding.Relp;
using Xunit;

namespace Infernum.Audit.Fast.Forwarding.Tests;

public sealed class RelpFrameTests
{
    [Fact]
    public void A_command_is_TXNR_SP_COMMAND_SP_DATALEN_SP_DATA_LF()
    {
        byte[] destination = new byte[128];
        int length = RelpFrame.Write(2, "syslog"u8, "<110>1 - - - - - - x"u8, destination);
        Assert.Equal("2 syslog 20 <110>1 - - - - - - x\n", Encoding.ASCII.GetString(destination, 0, length));
    }

    [Fact]
    public void Without_data_there_is_no_SP_before_the_trailer()
    {
        byte[] destination = new byte[32];
        int length = RelpFrame.Write(7, "close"u8, ReadOnlySpan<byte>.Empty, destination);
        Assert.Equal("7 close 0\n", Encoding.ASCII.GetString(destination, 0, length));
    }

    [Theory]
    [InlineData("2 rsp 6 200 OK\n", 2, "rsp", "200 OK", 200)]
    [InlineData("0 serverclose 0\n", 0, "serverclose", "", -1)]
    [InlineData("9 rsp 24 500 error: queue is full\n", 9, "rsp", "500 error: queue is full", 500)]
    public void Server_frames_parse_whole(string text, int txnr, string command, string? data, int code)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        Assert.True(RelpFrame.TryParse(bytes, out int parsedTxnr, out ReadOnlySpan<byte> parsedCommand, out ReadOnlySpan<byte> parsedData, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(txnr, parsedTxnr);
        Assert.Equal(command, Encoding.ASCII.GetString(parsedCommand));
        if (data is not null)
        {
            Assert.Equal(data, Encoding.ASCII.GetString(parsedData));
        }

        Assert.Equal(code, RelpFrame.ResponseCode(parsedData));
    }

    [Fact]
    public void The_open_answer_with_offers_parses()
    {
        string offers = "200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog";
        byte[] bytes = Encoding.ASCII.GetBytes("1 rsp " + offers.Length + " " + offers + "\n");
        Assert.True(RelpFrame.TryParse(bytes, out int txnr, out _, out ReadOnlySpan<byte> data, out int consumed));
        Assert.Equal((1, bytes.Length, 200), (txnr, consumed, RelpFrame.ResponseCode(data)));
        Assert.Equal(offers, Encoding.ASCII.GetString(data));
    }

    [Fact]
    public void A_frame_cut_anywhere_asks_for_more_and_two_frames_parse_one_by_one()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("12 rsp 6 200 OK\n13 rsp 6 200 OK\n");
        int first = "12 rsp 6 200 OK\n".Length;
        for (int cut = 0; cut < first; cut++)
        {
            Assert.False(RelpFrame.TryParse(bytes.AsSpan(0, cut), out _, out _, out _, out _), "cut at " + cut);
        }

        Assert.True(RelpFrame.TryParse(bytes, out int txnr, out _, out _, out int consumed));
        Assert.Equal((12, first), (txnr, consumed));
        Assert.True(RelpFrame.TryParse(bytes.AsSpan(consumed), out txnr, out _, out _, out int second));
        Assert.Equal((13, bytes.Length - first), (txnr, second));
    }

    [Theory]
    [InlineData("x rsp 6 200 OK\n")]
    [InlineData("1  rsp 6 200 OK\n")]
    [InlineData("1 rsp 6 200 OKX")]
    [InlineData("1 rsp 2x 200 OK\n")]
    [InlineData("1234567890 rsp 6 200 OK\n")]
    [InlineData("1 rsp 99999999 ")]
    public void Malformed_frames_are_refused(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        Assert.Throws<RelpProtocolException>(() => RelpFrame.TryParse(bytes, out _, out _, out _, out _));
    }

    [Fact]
    public void Transaction_numbers_wrap_from_999999999_to_1()
    {
        Assert.Equal(1, RelpFrame.Next(999_999_999));
        Assert.Equal(3, RelpFrame.Next(2));
    }
}
